/**
 * What operators see of auth requests, and cancelling one. The view leaves out the secrets a
 * request holds (the client's notification token, the verification link's hash).
 */
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import type { AuthRequestFilter, AuthRequestRecord } from '../store/ports.js';

export type RequestSummary = Omit<AuthRequestRecord, 'clientNotificationToken' | 'linkHash'>;

export function requestSummary(record: AuthRequestRecord): RequestSummary {
  const { clientNotificationToken: _token, linkHash: _link, ...rest } = record;
  return rest;
}

/** Told the client is to answer `access_denied` for a request it has not redeemed. */
export const CANCEL_REASON = 'the request was cancelled by the operator';

export async function listRequests(op: OpContext, filter: AuthRequestFilter, limit: number): Promise<RequestSummary[]> {
  return (await op.store.authRequests.list(filter, limit)).map(requestSummary);
}

export async function showRequest(op: OpContext, id: string): Promise<RequestSummary> {
  const record = await op.store.authRequests.get(id);
  if (!record) throw oauthError('not_found', 'no such auth request');
  return requestSummary(record);
}

/**
 * Fails a request that is pending or approved but not yet redeemed, in one conditional
 * transition. A poll client's next token request gets `access_denied` with the reason; a ping
 * client is called back (then gets the same answer); a push client gets `transaction_failed` —
 * the transition runs through the callback outbox like every decision.
 */
export async function cancelRequest(op: OpContext, id: string): Promise<RequestSummary> {
  const record = await op.store.authRequests.get(id);
  if (!record) throw oauthError('not_found', 'no such auth request');
  const cancelled = await op.callbacks.around([record], () =>
    op.store.authRequests.transition(id, ['pending', 'approved'], 'failed', { reason: CANCEL_REASON, decidedAt: op.now() }),
  );
  if (cancelled) return requestSummary(cancelled);
  const state = (await op.store.authRequests.get(id))?.state ?? record.state;
  throw oauthError('conflict', `the request is ${state}: only pending or approved requests can be cancelled`);
}
