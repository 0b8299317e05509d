/**
 * What operators do with end-users through the admin API. Passwords and user codes are hashed
 * (scrypt) on the way in and never come back out: a user shows only whether it has them.
 */
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import { DuplicateKeyError, type UserRecord } from '../store/ports.js';
import { randomToken } from '../oauth/secrets.js';
import { hashSecret } from '../users/password.js';

export interface UserSummary {
  sub: string;
  username: string;
  email: string | null;
  phone_number: string | null;
  claims: Record<string, unknown>;
  disabled: boolean;
  hasPassword: boolean;
  hasUserCode: boolean;
  createdAt: number;
  updatedAt: number;
}

export function userSummary(user: UserRecord): UserSummary {
  return {
    sub: user.sub,
    username: user.username,
    email: user.email,
    phone_number: user.phone_number,
    claims: user.claims,
    disabled: user.disabled,
    hasPassword: user.passwordHash !== null,
    hasUserCode: user.userCodeHash !== null,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

export interface NewUser {
  sub?: string;
  username: string;
  email?: string | null;
  phone_number?: string | null;
  claims?: Record<string, unknown>;
  password?: string;
  user_code?: string;
}

export interface UserChanges {
  username?: string;
  email?: string | null;
  phone_number?: string | null;
  /** Merged into the stored claims; a member set to null is removed (JSON merge patch). */
  claims?: Record<string, unknown>;
}

function duplicate(err: unknown): never {
  throw err instanceof DuplicateKeyError ? oauthError('conflict', 'a user with that sub or username exists') : err;
}

async function existing(op: OpContext, sub: string): Promise<UserRecord> {
  const user = await op.store.users.get(sub);
  if (!user) throw oauthError('not_found', `no user ${sub}`);
  return user;
}

async function patched(op: OpContext, sub: string, patch: Partial<Omit<UserRecord, 'sub' | 'createdAt'>>): Promise<UserSummary> {
  const user = await op.store.users.update(sub, { ...patch, updatedAt: op.now() }).catch(duplicate);
  if (!user) throw oauthError('not_found', `no user ${sub}`);
  return userSummary(user);
}

export async function listUsers(op: OpContext, limit: number): Promise<UserSummary[]> {
  return (await op.store.users.list(limit)).map(userSummary);
}

export async function showUser(op: OpContext, sub: string): Promise<UserSummary> {
  return userSummary(await existing(op, sub));
}

export async function createUser(op: OpContext, input: NewUser): Promise<UserSummary> {
  const now = op.now();
  const user: UserRecord = {
    sub: input.sub ?? randomToken(16),
    username: input.username,
    email: input.email ?? null,
    phone_number: input.phone_number ?? null,
    claims: input.claims ?? {},
    passwordHash: input.password === undefined ? null : await hashSecret(input.password),
    userCodeHash: input.user_code === undefined ? null : await hashSecret(input.user_code),
    disabled: false,
    createdAt: now,
    updatedAt: now,
  };
  await op.store.users.create(user).catch(duplicate);
  return userSummary(user);
}

export async function updateUser(op: OpContext, sub: string, changes: UserChanges): Promise<UserSummary> {
  const { claims: claimChanges, ...fields } = changes;
  let claims: Record<string, unknown> | undefined;
  if (claimChanges) {
    claims = { ...(await existing(op, sub)).claims };
    for (const [name, value] of Object.entries(claimChanges)) {
      if (value === null) delete claims[name];
      else claims[name] = value;
    }
  }
  return patched(op, sub, { ...fields, claims });
}

export async function setPassword(op: OpContext, sub: string, password: string): Promise<UserSummary> {
  return patched(op, sub, { passwordHash: await hashSecret(password) });
}

/** null removes the user code. */
export async function setUserCode(op: OpContext, sub: string, code: string | null): Promise<UserSummary> {
  return patched(op, sub, { userCodeHash: code === null ? null : await hashSecret(code) });
}

/** A disabled user is no longer found by login hints, so new requests for it fail with unknown_user_id. */
export async function setUserDisabled(op: OpContext, sub: string, disabled: boolean): Promise<UserSummary> {
  return patched(op, sub, { disabled });
}
