/**
 * Lockout: failed proofs of a user's secrets — wrong passwords wherever a password is checked,
 * wrong user codes at bc-authorize — count against the user, and enough of them within
 * `enduser.lockout.failureWindowSec` lock the user for `lockoutSec`. Every place that checks a
 * secret, and bc-authorize itself, refuses a locked user, so no endpoint is a way around it.
 * Failed sign-ins on one auth request are also counted on their own: a request that collected
 * `maxFailuresPerRequest` of them is denied, so one link cannot be used to guess at length.
 */
import type { OpContext } from '../context.js';
import type { AuthRequestRecord } from '../store/ports.js';

type Op = Pick<OpContext, 'config' | 'store' | 'now'>;

const userKey = (sub: string) => `user:${sub}`;
const requestKey = (authReqId: string) => `request:${authReqId}`;

/** When the user's lock ends, or null when the user is not locked. */
export async function userLockedUntil(op: Op, sub: string): Promise<number | null> {
  const lockedUntil = (await op.store.failureCounters.get(userKey(sub)))?.lockedUntil ?? null;
  return lockedUntil !== null && lockedUntil > op.now() ? lockedUntil : null;
}

/** Counts a failure against the user; returns when the lock ends if this failure locked them. */
export async function recordUserFailure(op: Op, sub: string): Promise<number | null> {
  const { maxFailuresPerUser, failureWindowSec, lockoutSec } = op.config.enduser.lockout;
  const now = op.now();
  const record = await op.store.failureCounters.recordFailure(userKey(sub), now, {
    maxFailures: maxFailuresPerUser,
    windowMs: failureWindowSec * 1000,
    lockMs: lockoutSec * 1000,
  });
  return record.lockedUntil !== null && record.lockedUntil > now ? record.lockedUntil : null;
}

/** A successful sign-in forgets the user's earlier failures. */
export async function clearUserFailures(op: Op, sub: string): Promise<void> {
  await op.store.failureCounters.clear(userKey(sub));
}

/** Counts a failed sign-in on the request; true when the request has now had too many. */
export async function recordRequestFailure(op: Op, record: AuthRequestRecord): Promise<boolean> {
  const now = op.now();
  const lifetimeMs = Math.max(1, record.expiresAt - now);
  const counted = await op.store.failureCounters.recordFailure(requestKey(record.id), now, {
    maxFailures: op.config.enduser.lockout.maxFailuresPerRequest,
    windowMs: lifetimeMs,
    lockMs: lifetimeMs,
  });
  return counted.lockedUntil !== null;
}
