/**
 * The callback outbox as an operator watches it: /metrics counts attempts, deliveries, retries
 * and dead letters, shows the outbox depth, and counts requests the expiry processor expired; an
 * operator's cancel of a ping request calls the client back like any other way out of `pending`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin.js';
import { poll } from '../support/ciba-steps.js';
import { callbackClient, startCallbackOp, startReceiver, waitFor, type CallbackOp, type Receiver } from '../support/callbacks.js';
import { basic, decideViaLink } from '../support/op.js';

const ADMIN = 'outbox-admin-'.padEnd(40, 'o');

describe('outbox metrics', () => {
  let t: CallbackOp;
  let receiver: Receiver;
  /** What the receiver answers to each auth request's callbacks, in turn (then 204). */
  const replies = new Map<string, number[]>();
  const callbacksFor = (id: string) => receiver.bodies().filter((b) => b.auth_req_id === id).length;
  const sample = async (series: string) => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    return Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    receiver = await startReceiver((_n, request) => replies.get(JSON.parse(request.body).auth_req_id as string)?.shift() ?? 204);
    // A failed callback waits a minute before its retry, so the queued entry can be seen.
    t = await startCallbackOp([callbackClient('pinger', 'ping', receiver.endpoint)], { adminToken: ADMIN, backchannelRequestsProcessorJobIntervalSec: 1 }, { retryInitialDelayMs: 60_000, retryMaxDelayMs: 60_000 });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('counts attempts, deliveries, retries and dead letters, and shows the depth', async () => {
    const retried = (await t.authorize('pinger', 'tok-retried')).auth_req_id as string;
    const refused = (await t.authorize('pinger', 'tok-refused')).auth_req_id as string;
    replies.set(retried, [503]);
    replies.set(refused, [400]);
    await decideViaLink(await t.linkFor(retried), 'approve');
    await decideViaLink(await t.linkFor(refused), 'approve');
    await waitFor(() => callbacksFor(retried) === 1 && callbacksFor(refused) === 1, 'the first callbacks');
    await waitFor(async () => (await sample('ciba_op_outbox_events_total{event="dead_letter",mode="ping"}')) === 1, 'the dead letter');

    expect(await sample('ciba_op_outbox_events_total{event="attempt",mode="ping"}')).toBe(2);
    expect(await sample('ciba_op_outbox_events_total{event="retry",mode="ping"}')).toBe(1);
    expect(await sample('ciba_op_outbox_events_total{event="delivered",mode="ping"}')).toBe(0);
    expect(await sample('ciba_op_outbox_depth')).toBe(1);

    t.advance(120_000);
    await waitFor(() => callbacksFor(retried) === 2, 'the retry');
    await waitFor(async () => (await sample('ciba_op_outbox_events_total{event="delivered",mode="ping"}')) === 1, 'the delivery');
    expect(await sample('ciba_op_outbox_depth')).toBe(0);
  });

  it("calls a ping client back when the operator cancels its request, and its poll says why", async () => {
    const id = (await t.authorize('pinger', 'tok-cancelled')).auth_req_id as string;
    expect((await adminCall(t.url, ADMIN, 'POST', `/admin/requests/${id}/cancel`)).body.state).toBe('failed');
    await waitFor(() => callbacksFor(id) === 1, 'the ping');
    expect(receiver.requests.find((r) => r.body.includes(id))?.headers.authorization).toBe('Bearer tok-cancelled');
    expect((await poll(t.url, basic('pinger', 'pinger-secret'), id)).body).toEqual({ error: 'access_denied', error_description: 'the request was cancelled by the operator' });
  });

  it('counts the requests the expiry processor expires', async () => {
    const before = await sample('ciba_op_auth_requests_total{outcome="expired"}');
    const id = (await t.authorize('pinger', 'tok-expired', { requested_expiry: '1' })).auth_req_id as string;
    t.advance(2_000);
    await waitFor(() => callbacksFor(id) === 1, 'the expiry ping');
    expect(await sample('ciba_op_auth_requests_total{outcome="expired"}')).toBe(before + 1);
  });
});
