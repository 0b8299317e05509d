/**
 * Ping mode (CIBA §10.2) against real HTTPS receivers on 127.0.0.1: one POST of exactly
 * `{"auth_req_id"}` with the client's bearer token on approval, denial and expiry; the client's
 * next token request is never slow_down; a 401 is not retried and spoils nothing; poll clients
 * are never called.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, decideViaLink, postForm } from '../support/op.js';
import { callbackClient, quiet, startCallbackOp, startReceiver, waitFor, type CallbackOp, type Receiver } from '../support/callbacks.js';
import { CIBA } from './clients.js';

/** The RFC 6750 b64token alphabet, to build the longest token a client may send. */
const B64TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';

describe('ping mode', () => {
  let t: CallbackOp;
  let receiver: Receiver;
  let unauthorized: Receiver;
  let pollReceiver: Receiver;

  beforeAll(async () => {
    [receiver, unauthorized, pollReceiver] = await Promise.all([startReceiver(), startReceiver(() => 401), startReceiver()]);
    t = await startCallbackOp(
      [
        callbackClient('pinger', 'ping', receiver.endpoint),
        callbackClient('refused', 'ping', unauthorized.endpoint),
        callbackClient('poller', 'poll', pollReceiver.endpoint),
      ],
      // The poll right after a ping falls well inside this interval, and must not be slow_down.
      { backchannelAuthenticationResponseInterval: 30, backchannelRequestsProcessorJobIntervalSec: 1 },
    );
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([receiver.close(), unauthorized.close(), pollReceiver.close()]);
  });

  const authorize = async (clientId: string, token: string, params: Record<string, string> = {}) =>
    (await t.authorize(clientId, token, params)).auth_req_id as string;
  const poll = (clientId: string, id: string) =>
    postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: id }, basic(clientId, `${clientId}-secret`));
  const callbacksFor = (r: Receiver, id: string) => r.requests.filter((req) => req.body.includes(id));

  it('POSTs exactly {"auth_req_id"} with the bearer token on approval; the next poll gets the tokens, not slow_down', async () => {
    const id = await authorize('pinger', 'ping-token-1');
    expect((await poll('pinger', id)).body.error).toBe('authorization_pending');
    await decideViaLink(await t.linkFor(id), 'approve');
    await waitFor(() => callbacksFor(receiver, id).length === 1, 'the ping');
    const [ping] = callbacksFor(receiver, id);
    expect(ping).toMatchObject({ method: 'POST', path: '/cb', body: JSON.stringify({ auth_req_id: id }) });
    expect(ping?.headers.authorization).toBe('Bearer ping-token-1');
    expect(ping?.headers['content-type']).toBe('application/json');

    const tokens = await poll('pinger', id);
    expect(tokens.status).toBe(200);
    expect(tokens.body.access_token).toBeTypeOf('string');
    await quiet(200);
    expect(callbacksFor(receiver, id)).toHaveLength(1);
  });

  it('echoes a 1024-character notification token byte for byte', async () => {
    const token = Array.from({ length: 1024 }, (_, i) => B64TOKEN_CHARS[(i * 7) % B64TOKEN_CHARS.length]).join('');
    const id = await authorize('pinger', token);
    await decideViaLink(await t.linkFor(id), 'approve');
    await waitFor(() => callbacksFor(receiver, id).length === 1, 'the ping');
    expect(callbacksFor(receiver, id)[0]?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('pings on denial; the poll then answers access_denied', async () => {
    const id = await authorize('pinger', 'ping-token-2');
    await decideViaLink(await t.linkFor(id), 'deny');
    await waitFor(() => callbacksFor(receiver, id).length === 1, 'the ping');
    expect(callbacksFor(receiver, id)[0]?.body).toBe(JSON.stringify({ auth_req_id: id }));
    expect((await poll('pinger', id)).body.error).toBe('access_denied');
  });

  it('pings on expiry (the expiry processor); the poll then answers expired_token', async () => {
    const id = await authorize('pinger', 'ping-token-3', { requested_expiry: '5' });
    t.advance(6_000);
    await waitFor(() => callbacksFor(receiver, id).length === 1, 'the ping after expiry', 4000);
    expect(callbacksFor(receiver, id)[0]?.headers.authorization).toBe('Bearer ping-token-3');
    expect((await t.op.context.store.authRequests.get(id))?.state).toBe('expired');
    expect((await poll('pinger', id)).body.error).toBe('expired_token');
  });

  it('does not retry a 401, and the client still gets its tokens by polling', async () => {
    const id = await authorize('refused', 'ping-token-4');
    const before = t.op.delivery.metrics.snapshot();
    await decideViaLink(await t.linkFor(id), 'approve');
    await waitFor(() => t.op.delivery.metrics.snapshot().dead_letter === before.dead_letter + 1, 'the dead letter');
    await quiet(300);
    expect(callbacksFor(unauthorized, id)).toHaveLength(1);
    expect(t.op.delivery.metrics.snapshot().retry).toBe(before.retry);
    expect(await t.op.context.store.outbox.get(id)).toMatchObject({ status: 'dead', attempts: 1, lastError: 'HTTP 401' });
    expect((await poll('refused', id)).status).toBe(200);
  });

  it('never calls a poll client back, whatever happens to its request', async () => {
    const approved = await authorize('poller', 'unused-1');
    const denied = await authorize('poller', 'unused-2');
    const expiring = await authorize('poller', 'unused-3', { requested_expiry: '5' });
    await decideViaLink(await t.linkFor(approved), 'approve');
    await decideViaLink(await t.linkFor(denied), 'deny');
    t.advance(6_000);
    await waitFor(async () => (await t.op.context.store.authRequests.get(expiring))?.state === 'expired', 'the expiry', 4000);
    await quiet(200);
    expect(pollReceiver.requests).toHaveLength(0);
    for (const id of [approved, denied, expiring]) expect(await t.op.context.store.outbox.get(id)).toBeNull();
    expect((await poll('poller', approved)).status).toBe(200);
  });
});
