/**
 * One-time enrollment codes: an operator issues one for a user (admin API), the user types or
 * scans it into the authenticator app, and the app registers a device with it instead of the
 * user's password. 20 random bytes, so guessing is hopeless and no lockout is needed; only
 * a digest is stored.
 */
import type { OpContext } from '../context.js';
import { digest, randomToken } from '../oauth/secrets.js';

type Op = Pick<OpContext, 'config' | 'store' | 'now'>;

export async function issueEnrollmentCode(op: Op, sub: string): Promise<{ code: string; expiresIn: number }> {
  const code = randomToken(20);
  const now = op.now();
  const expiresIn = op.config.enduser.devices.enrollmentCodeLifetimeSec;
  await op.store.enrollmentCodes.create({ digest: digest(code), sub, createdAt: now, expiresAt: now + expiresIn * 1000 });
  return { code, expiresIn };
}

/** The user the code was issued for, using the code up; null for an unknown, used or expired code. */
export async function redeemEnrollmentCode(op: Op, code: string): Promise<string | null> {
  return (await op.store.enrollmentCodes.consume(digest(code), op.now()))?.sub ?? null;
}
