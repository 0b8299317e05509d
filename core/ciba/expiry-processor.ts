/**
 * The expiry processor (seed: backchannelRequestsProcessorJobIntervalSec / ChunkSize). Every
 * interval it takes expired pending requests chunk by chunk, marks them `expired` and queues the
 * ping / push `expired_token` callbacks of their clients. Any number of processes may run it:
 * marking is one conditional update per chunk, so each request is expired once, and the callback
 * entry (one per request) is queued before the marking, so a crash in between loses nothing.
 */
import type { Logger } from '../context.js';
import type { AuthRequestRepo } from '../store/ports.js';
import type { CallbackQueue } from './outbox/callbacks.js';

export interface ExpiryDeps {
  authRequests: AuthRequestRepo;
  callbacks: CallbackQueue;
  log: Logger;
  now(): number;
  intervalSec: number;
  chunkSize: number;
}

/** One pass: chunks until none is left (or another process is taking them). Returns how many this pass expired. */
export async function expireDue(deps: ExpiryDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const now = deps.now();
    const chunk = await deps.authRequests.findExpiredPending(now, deps.chunkSize);
    if (chunk.length === 0) return total;
    const expired = await deps.callbacks.around(chunk, () => deps.authRequests.expire(chunk.map((r) => r.id), now));
    total += expired;
    // A short or contested chunk means the backlog is gone or shared: the next pass finishes it.
    if (chunk.length < deps.chunkSize || expired === 0) return total;
  }
}

export function startExpiryProcessor(deps: ExpiryDeps): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    // A pass that outlasts the interval is not joined by a second one.
    if (running) return;
    running = true;
    expireDue(deps)
      .then((count) => {
        if (count > 0) deps.log.info({ count }, 'expired pending auth requests');
      })
      .catch((err: unknown) => deps.log.error({ err }, 'expiry processor failed'))
      .finally(() => {
        running = false;
      });
  }, deps.intervalSec * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
