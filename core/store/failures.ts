/**
 * The failure-counting rule of `FailureCounterRepo.recordFailure`, as a pure function so both
 * adapters apply the very same rule: the embedded adapter runs it between a read and a write with
 * no `await` in between (one synchronous step), the MongoDB adapter mirrors it in an aggregation-pipeline upsert.
 */
import type { FailureCounterRecord, FailurePolicy } from './ports.js';

export type FailureState = Omit<FailureCounterRecord, 'key'>;

export function decideFailure(prev: FailureState | null, now: number, policy: FailurePolicy): FailureState {
  const fresh = prev === null || prev.windowEndsAt <= now;
  const failures = fresh ? 1 : prev.failures + 1;
  if (failures >= policy.maxFailures) {
    // The lock replaces the window: once it ends, the user has a full set of attempts again.
    const lockedUntil = now + policy.lockMs;
    return { failures: 0, windowEndsAt: now, lockedUntil, purgeAt: lockedUntil };
  }
  const windowEndsAt = fresh ? now + policy.windowMs : prev.windowEndsAt;
  const lockedUntil = prev?.lockedUntil ?? null;
  return { failures, windowEndsAt, lockedUntil, purgeAt: Math.max(windowEndsAt, lockedUntil ?? 0) };
}
