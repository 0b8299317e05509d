/**
 * The end-user's decision, however it arrives (the page, the app API): denying needs only the
 * link; approving needs what the request's acr demands (authentication.ts). Either way one
 * atomic `pending → approved | denied` transition, which a racing decision or the expiry can
 * win first.
 */
import type { Logger, OpContext } from '../context.js';
import type { AuthRequestRecord } from '../store/ports.js';
import { decide } from '../ciba/decision.js';
import { authenticateForApproval, type Approval, type Credentials } from './authentication.js';

export type EndUserOutcome =
  | { ok: true; state: 'approved' | 'denied' }
  /** `gone`: the request stopped being pending while the user was deciding. */
  | { ok: false; problem: 'gone' }
  | Extract<Approval, { ok: false }>;

export async function decideAsEndUser(
  op: OpContext,
  record: AuthRequestRecord,
  decision: 'approve' | 'deny',
  credentials: Credentials | null,
  log: Logger,
): Promise<EndUserOutcome> {
  let decided: AuthRequestRecord | null;
  if (decision === 'deny') {
    decided = await decide(op, record, { approve: false });
  } else {
    const approval = await authenticateForApproval(op, record, credentials);
    if (!approval.ok) return approval;
    decided = await decide(op, record, { approve: true, authentication: approval.authentication });
  }
  if (!decided) return { ok: false, problem: 'gone' };
  log.info({ authReqId: record.id, clientId: record.clientId, state: decided.state, acr: decided.acr }, 'end-user decided');
  return { ok: true, state: decided.state === 'approved' ? 'approved' : 'denied' };
}
