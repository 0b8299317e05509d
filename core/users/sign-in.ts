/**
 * Username and password sign-in for the end-user's side of the OP (verification page, app API,
 * device registration), with lockout: a locked user is refused before the password is even
 * looked at, a wrong password counts against the user, a right one clears their failures.
 */
import type { OpContext } from '../context.js';
import type { UserRecord } from '../store/ports.js';
import { hashSecret, verifySecret } from './password.js';
import { clearUserFailures, recordUserFailure, userLockedUntil } from './lockout.js';

export type SignIn =
  | { ok: true; user: UserRecord }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; lockedUntil: number };

/**
 * Checked in place of a password hash when there is none to check, so that unknown usernames
 * take as long to refuse as wrong passwords and response times do not list the accounts.
 */
let decoyHash: Promise<string> | undefined;

export async function signIn(op: Pick<OpContext, 'config' | 'store' | 'now'>, username: string, password: string): Promise<SignIn> {
  const [user] = await op.store.users.findByClaim('username', username, 1);
  if (!user || user.disabled || !user.passwordHash) {
    await verifySecret(password, await (decoyHash ??= hashSecret('decoy')));
    return { ok: false, reason: 'invalid' };
  }
  const lockedUntil = await userLockedUntil(op, user.sub);
  if (lockedUntil !== null) return { ok: false, reason: 'locked', lockedUntil };
  if (!(await verifySecret(password, user.passwordHash))) {
    const lockedNow = await recordUserFailure(op, user.sub);
    return lockedNow === null ? { ok: false, reason: 'invalid' } : { ok: false, reason: 'locked', lockedUntil: lockedNow };
  }
  await clearUserFailures(op, user.sub);
  return { ok: true, user };
}
