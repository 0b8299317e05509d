/**
 * Several processes on one outbox, played by a second outbox worker (a real `createDelivery`)
 * beside the OP's own on the same store: racing claims and racing expiry processors must still
 * call each client back exactly once.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDelivery, type Delivery } from '../../core/ciba/outbox/index.js';
import { expireDue } from '../../core/ciba/expiry-processor.js';
import type { OutboxEntry } from '../../core/store/ports.js';
import { callbackClient, quiet, startCallbackOp, startReceiver, waitFor, type CallbackOp, type Receiver } from '../support/callbacks.js';

const N = 60;

describe('two outbox workers on one store', () => {
  let t: CallbackOp;
  let other: Delivery;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startCallbackOp(
      // One client per test: each stays within any per-client rate limit on bc-authorize.
      [callbackClient('racer', 'ping', receiver.endpoint), callbackClient('expirer', 'ping', receiver.endpoint)],
      { backchannelRequestsProcessorJobIntervalSec: 3600 }, // the test runs the expiry passes itself
      // Attempts never time out here (a timed-out attempt is retried, which is another test's
      // subject): what is tested is two workers claiming the same entries.
      { concurrency: 4, pollIntervalMs: 10, timeoutMs: 10_000, leaseSec: 20 },
    );
    other = createDelivery({ ...t.op.context, kek: randomBytes(32) });
    other.start();
  });
  afterAll(async () => {
    await other.close();
    await t.close();
    await receiver.close();
  });

  async function pending(clientId: string, params: Record<string, string> = {}): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < N; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => t.authorize(clientId, 'race-token', params)));
      ids.push(...batch.map((ack) => ack.auth_req_id as string));
    }
    return ids;
  }
  const times = (ids: string[]) => {
    const seen = receiver.bodies().map((b) => b.auth_req_id as string);
    return ids.map((id) => seen.filter((s) => s === id).length);
  };

  it('sends each of 60 due callbacks once while both workers claim them', async () => {
    const ids = await pending('racer');
    const { store } = t.op.context;
    const at = t.op.context.now();
    for (const id of ids) await store.authRequests.transition(id, ['pending'], 'approved', { decidedAt: at, authTime: at, acr: null, amr: ['otp'] });
    const record = await store.authRequests.get(ids[0] as string);
    const entries: OutboxEntry[] = ids.map((id) => ({
      id,
      clientId: 'racer',
      mode: 'ping',
      status: 'queued',
      attempts: 0,
      nextAttemptAt: at,
      leaseOwner: null,
      leaseExpiresAt: 0,
      deadline: record?.purgeAt as number,
      sealedPayload: null,
      grantId: null,
      lastError: null,
      createdAt: at,
      updatedAt: at,
    }));
    const mine = t.op.delivery.metrics.snapshot().delivered;
    const theirs = other.metrics.snapshot().delivered;
    expect(await store.outbox.enqueue(entries)).toHaveLength(N);
    const byUs = () => t.op.delivery.metrics.snapshot().delivered - mine;
    const byThem = () => other.metrics.snapshot().delivered - theirs;
    await waitFor(() => byUs() + byThem() === N, 'every callback');
    expect(times(ids)).toEqual(ids.map(() => 1));
    expect(byUs()).toBeGreaterThan(0);
    expect(byThem()).toBeGreaterThan(0);
  });

  it('calls back each request expired by two racing expiry processors once', async () => {
    const ids = await pending('expirer', { requested_expiry: '5' });
    t.advance(6_000);
    const { store, log, now } = t.op.context;
    const deps = { authRequests: store.authRequests, log, now, intervalSec: 1, chunkSize: 7 };
    const [a, b] = await Promise.all([
      expireDue({ ...deps, callbacks: t.op.context.callbacks }),
      expireDue({ ...deps, callbacks: other.callbacks }),
    ]);
    expect(a + b).toBe(N);
    await waitFor(() => times(ids).every((n) => n >= 1), 'every expiry ping');
    await quiet(300);
    expect(times(ids)).toEqual(ids.map(() => 1));
    for (const id of ids) expect((await store.authRequests.get(id))?.state).toBe('expired');
  });
});
