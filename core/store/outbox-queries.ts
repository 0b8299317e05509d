/**
 * The conditions and updates behind the outbox's leases and the expiry claim, written once for
 * both adapters (MongoDB runs them, the embedded store evaluates them with embedded/match.ts). A lease is held by the
 * random token of the claim that took it, so only that claim can settle it; a holder whose lease
 * ran out and was taken over finds its updates matching nothing.
 */
import { NEVER, type OutboxSettlement } from './ports.js';

/** Waiting to be sent, due or not, leased or not. */
export const QUEUED = { status: 'queued' as const };

/** Queued, due, and not leased by anyone (a lease that ran out counts as free). */
export function dueFilter(now: number) {
  return { status: 'queued' as const, nextAttemptAt: { $lte: now }, leaseExpiresAt: { $lte: now } };
}

/** The same condition again at update time, for the candidates a claim picked. */
export function claimFilter(ids: readonly string[], now: number) {
  return { _id: { $in: [...ids] }, ...dueFilter(now) };
}

export function claimUpdate(owner: string, leaseUntil: number, now: number) {
  return { $set: { leaseOwner: owner, leaseExpiresAt: leaseUntil, updatedAt: now } };
}

/** Still queued and still leased by `owner`. */
export function heldFilter(id: string, owner: string) {
  return { _id: id, status: 'queued' as const, leaseOwner: owner };
}

export function renewUpdate(leaseUntil: number, now: number) {
  return { $set: { leaseExpiresAt: leaseUntil, updatedAt: now } };
}

export function attachFilter(id: string, owner: string) {
  return { ...heldFilter(id, owner), sealedPayload: null };
}

export function attachUpdate(sealedPayload: string, grantId: string, now: number) {
  return { $set: { sealedPayload, grantId, updatedAt: now } };
}

/** Frees the lease; a dead letter drops its sealed tokens, which are not needed any more. */
export function settleUpdate(settlement: OutboxSettlement, now: number) {
  const set: Record<string, unknown> = { status: settlement.status, leaseOwner: null, leaseExpiresAt: 0, updatedAt: now };
  if (settlement.status === 'queued') {
    set.nextAttemptAt = settlement.nextAttemptAt;
    set.lastError = settlement.lastError;
  } else {
    set.nextAttemptAt = NEVER;
    set.sealedPayload = null;
    if (settlement.status === 'dead') set.lastError = settlement.lastError;
  }
  return settlement.attempted ? { $set: set, $inc: { attempts: 1 } } : { $set: set };
}

export function purgeFilter(now: number) {
  return { status: 'dead' as const, deadline: { $lt: now } };
}

/** Pending and expired at `now`; with `ids`, only those (the expiry claim re-checks at update time). */
export function expiredPendingFilter(now: number, ids?: readonly string[]) {
  const filter = { state: 'pending' as const, expiresAt: { $lte: now } };
  return ids === undefined ? filter : { _id: { $in: [...ids] }, ...filter };
}

export const EXPIRE_UPDATE = { $set: { state: 'expired' as const } };
