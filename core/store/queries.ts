/**
 * The conditions and updates behind the store's atomic operations, written once: the MongoDB
 * adapter sends these objects as they are, and the embedded one evaluates the same objects
 * (core/store/embedded/match.ts).
 * Every document's `_id` is its natural key (clientId, sub, auth_req_id, token digest, kid).
 */
import { USER_LOOKUP_FIELDS, type AuthRequestFilter, type AuthRequestRecord, type AuthRequestState, type TransitionPatch } from './ports.js';

/** `limit` of `users.findByClaim` and `users.list` when the caller gives none. */
export const DEFAULT_LIMIT = 100;

const TOP_LEVEL_LOOKUPS: ReadonlySet<string> = new Set(USER_LOOKUP_FIELDS);

/**
 * Where a user claim is matched: `sub` is the `_id`, the other lookup fields are top level, any
 * other claim is a member of `claims`. Null for a name that would be read as a path or an
 * operator (`a.b`, `$where`): such a claim matches no user rather than something unintended.
 */
export function userClaimFilter(claim: string, value: string): Record<string, string> | null {
  if (claim === 'sub') return { _id: value };
  if (TOP_LEVEL_LOOKUPS.has(claim)) return { [claim]: value };
  if (claim === '' || claim.startsWith('$') || claim.includes('.')) return null;
  return { [`claims.${claim}`]: value };
}

/**
 * Drops `undefined` members: in a patch they mean "leave as is", while the embedded store would
 * erase the field and MongoDB, depending on the client, set it to null.
 */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(patch) as (keyof T)[]) {
    if (patch[key] !== undefined) out[key] = patch[key];
  }
  return out;
}

/** The operators' listing of auth requests: each filter member given must match. */
export function authRequestListFilter(filter: AuthRequestFilter): Partial<AuthRequestFilter> {
  return definedOnly({ state: filter.state, clientId: filter.clientId, sub: filter.sub });
}

/** An auth request counts as expired from its `expiresAt` on. */
export function transitionFilter(id: string, from: readonly AuthRequestState[], notExpiredAt?: number) {
  const filter = { _id: id, state: { $in: [...from] } };
  return notExpiredAt === undefined ? filter : { ...filter, expiresAt: { $gt: notExpiredAt } };
}

export function transitionUpdate(
  to: AuthRequestState,
  patch: TransitionPatch,
) {
  return { $set: { ...definedOnly(patch), state: to } };
}

/** Only a refresh token is ever consumed, and only while unconsumed, unrevoked and unexpired. */
export function consumeFilter(digest: string, now: number) {
  return { _id: digest, kind: 'refresh_token' as const, consumedAt: null, revoked: false, expiresAt: { $gt: now } };
}

export function consumeUpdate(now: number) {
  return { $set: { consumedAt: now } };
}

/** Counts only tokens this call revoked, so a second revocation of the grant reports 0. */
export function revokeGrantFilter(grantId: string) {
  return { grantId, revoked: false };
}

export const REVOKE_UPDATE = { $set: { revoked: true } } as const;

/** `_id` of a pairwise subject mapping: sectors are host names, which hold no space. */
export function pairwiseKey(sector: string, pairwiseSub: string): string {
  return `${sector} ${pairwiseSub}`;
}
