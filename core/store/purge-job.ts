/**
 * Deletes auth requests, tokens, failure counters and enrollment codes past their retention.
 * MongoDB's TTL indexes do the same on their own; the job is cheap there and keeps the embedded
 * store bounded.
 */
import type { OpContext } from '../context.js';

export function startPurgeJob(op: Pick<OpContext, 'config' | 'store' | 'log' | 'now'>): { stop(): void } {
  const timer = setInterval(() => {
    const now = op.now();
    const { authRequests, tokens, failureCounters, enrollmentCodes, outbox, jtis } = op.store;
    const jobs = [authRequests, tokens, failureCounters, enrollmentCodes, outbox, jtis].map((repo) => repo.purge(now));
    Promise.all(jobs).catch(
      (err: unknown) => op.log.error({ err }, 'purge job failed'),
    );
  }, op.config.backchannelRequestsProcessorJobIntervalSec * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
