/**
 * What the end-user must prove before approving, decided by the request's acr (the first of its
 * `acr_values` the OP supports, else `defaultAcrValues`), and the amr (RFC 8176) recorded for
 * the ID token. Holding the link always counts: it reached the user's device (`otp`). A new
 * method is one entry in METHODS and one branch in `prove`.
 *
 * The password must be the password of the user the hint resolved to: credentials of any
 * other account, however valid, are refused like a wrong password. Both count against the
 * request, and the request is denied when it had too many.
 */
import type { OpContext } from '../context.js';
import type { AuthRequestRecord } from '../store/ports.js';
import { acrFor, type Authentication } from '../ciba/decision.js';
import { signIn } from '../users/sign-in.js';
import { recordRequestFailure } from '../users/lockout.js';

export const ACR_LINK = 'urn:ciba-op:acr:link';
export const ACR_PASSWORD = 'urn:ciba-op:acr:password';

interface Method {
  proof: 'link' | 'password';
  amr: string[];
}

const METHODS: Record<string, Method> = {
  [ACR_LINK]: { proof: 'link', amr: ['otp'] },
  [ACR_PASSWORD]: { proof: 'password', amr: ['otp', 'pwd'] },
};

export interface Credentials {
  username: string;
  password: string;
}

/** Credentials as a form or JSON body carries them; either one missing or empty means none. */
export function credentialsFrom(body: { username?: string; password?: string }): Credentials | null {
  return body.username && body.password ? { username: body.username, password: body.password } : null;
}

export type Problem = 'credentials_required' | 'invalid_credentials' | 'wrong_user' | 'locked' | 'too_many_attempts';

export type Approval =
  | { ok: true; authentication: Authentication }
  | { ok: false; problem: Exclude<Problem, 'locked'> }
  | { ok: false; problem: 'locked'; lockedUntil: number };

function methodFor(op: OpContext, record: AuthRequestRecord): { acr: string; method: Method } {
  const acr = acrFor(op, record);
  const method = METHODS[acr];
  // The config schema only admits acr values listed here.
  if (!method) throw new Error(`no authentication method for acr ${acr}`);
  return { acr, method };
}

export function passwordRequired(op: OpContext, record: AuthRequestRecord): boolean {
  return methodFor(op, record).method.proof === 'password';
}

/** May the holder of this request's link approve it with these credentials (null: none given)? */
export async function authenticateForApproval(op: OpContext, record: AuthRequestRecord, credentials: Credentials | null): Promise<Approval> {
  const { acr, method } = methodFor(op, record);
  const approved: Approval = { ok: true, authentication: { acr, amr: method.amr } };
  if (method.proof === 'link') return approved;
  if (!credentials) return { ok: false, problem: 'credentials_required' };

  const outcome = await signIn(op, credentials.username, credentials.password);
  if (outcome.ok && outcome.user.sub === record.sub) return approved;
  if (!outcome.ok && outcome.reason === 'locked') return { ok: false, problem: 'locked', lockedUntil: outcome.lockedUntil };
  if (await recordRequestFailure(op, record)) {
    const now = op.now();
    await op.store.authRequests.transition(record.id, ['pending'], 'denied', {
      decidedAt: now,
      reason: 'too many failed sign-in attempts on the authentication device',
    });
    return { ok: false, problem: 'too_many_attempts' };
  }
  return { ok: false, problem: outcome.ok ? 'wrong_user' : 'invalid_credentials' };
}
