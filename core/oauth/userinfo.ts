/** UserInfo (OIDC Core §5.3): the claims the access token's scopes release. */
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import type { UserRecord } from '../store/ports.js';
import { digest } from './secrets.js';

/** OIDC Core §5.4. */
export const CLAIMS_BY_SCOPE: Record<string, readonly string[]> = {
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address'],
};

const CHALLENGE = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

function claimValue(user: UserRecord, claim: string): unknown {
  if (claim === 'email') return user.email ?? undefined;
  if (claim === 'phone_number') return user.phone_number ?? undefined;
  if (claim === 'preferred_username') return user.claims.preferred_username ?? user.username;
  if (claim === 'updated_at') return Math.floor(user.updatedAt / 1000);
  return user.claims[claim];
}

export async function userinfo(op: OpContext, authorization: string | undefined): Promise<Record<string, unknown>> {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization ?? '');
  if (!match?.[1]) throw oauthError('invalid_token', 'a Bearer access token is required', CHALLENGE);
  const token = await op.store.tokens.get(digest(match[1]));
  if (!token || token.kind !== 'access_token' || token.revoked || token.expiresAt <= op.now()) {
    throw oauthError('invalid_token', 'the access token is invalid or expired', CHALLENGE);
  }
  const [user, client] = await Promise.all([op.store.users.get(token.sub), op.store.clients.get(token.clientId)]);
  if (!user || user.disabled || !client) throw oauthError('invalid_token', 'the access token is invalid or expired', CHALLENGE);
  // The same sub the client found in its ID token: pairwise clients see their sector's.
  const out: Record<string, unknown> = { sub: op.subjects.peek(client.metadata, user.sub) };
  for (const scope of token.scope) {
    for (const claim of CLAIMS_BY_SCOPE[scope] ?? []) {
      const value = claimValue(user, claim);
      if (value !== undefined && value !== null) out[claim] = value;
    }
  }
  return out;
}
