/**
 * The end-user's decision on a pending auth request, reached through its verification link.
 * Approve and deny are each one conditional `pending → approved|denied` transition that also
 * refuses expired requests, so a link works once and only in time.
 */
import type { OpContext } from '../context.js';
import type { AuthRequestRecord } from '../store/ports.js';
import { digest } from '../oauth/secrets.js';

/** The pending, unexpired request behind a link token, or null (unknown, used or expired alike). */
export async function pendingRequestForLink(op: OpContext, linkToken: string): Promise<AuthRequestRecord | null> {
  const record = await op.store.authRequests.findByLinkHash(digest(linkToken));
  if (!record || record.state !== 'pending' || record.expiresAt <= op.now()) return null;
  return record;
}

export interface Authentication {
  acr: string;
  amr: string[];
}

/** Approving records how the end-user authenticated; denying needs only the link. */
export type Decision = { approve: true; authentication: Authentication } | { approve: false };

/** Null when the request stopped being pending or expired meanwhile (a racing decision won). */
export async function decide(op: OpContext, record: AuthRequestRecord, decision: Decision): Promise<AuthRequestRecord | null> {
  const now = op.now();
  return op.callbacks.around([record], () =>
    op.store.authRequests.transition(
      record.id,
      ['pending'],
      decision.approve ? 'approved' : 'denied',
      decision.approve
        ? { decidedAt: now, authTime: now, acr: decision.authentication.acr, amr: decision.authentication.amr }
        : { decidedAt: now, reason: 'the end-user denied the request' },
      now,
    ),
  );
}

/** The acr the request is satisfied with: the first requested one this OP supports. */
export function acrFor(op: OpContext, record: AuthRequestRecord): string {
  return record.acrValues.find((acr) => op.config.acrValuesSupported.includes(acr)) ?? (op.config.defaultAcrValues[0] as string);
}
