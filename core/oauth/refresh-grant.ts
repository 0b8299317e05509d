/**
 * The refresh_token grant with rotation: each refresh token works once and is replaced. Using a
 * spent one again means it leaked, so the whole grant is revoked (OAuth 2.0 Security BCP §4.14).
 */
import { oauthError } from '../errors.js';
import type { Logger, OpContext } from '../context.js';
import type { FormParams } from '../http/form.js';
import type { ClientRecord } from '../store/ports.js';
import { REFRESH_GRANT } from './client-metadata.js';
import { digest } from './secrets.js';
import { mintTokens, type TokenResponse } from './tokens.js';

function narrowedScope(requested: string | undefined, granted: string[]): string[] {
  if (requested === undefined) return granted;
  const scopes = [...new Set(requested.split(' ').filter(Boolean))];
  for (const scope of scopes) {
    if (!granted.includes(scope)) throw oauthError('invalid_scope', `scope ${scope} exceeds the original grant`);
  }
  if (!scopes.includes('openid')) throw oauthError('invalid_scope', 'scope must contain openid');
  return scopes;
}

export async function refreshGrant(op: OpContext, client: ClientRecord, params: FormParams, log: Logger): Promise<TokenResponse> {
  if (!client.metadata.grant_types.includes(REFRESH_GRANT)) {
    throw oauthError('unauthorized_client', 'the client is not registered for the refresh_token grant');
  }
  const presented = params.get('refresh_token');
  if (presented === undefined) throw oauthError('invalid_request', 'refresh_token is required');

  const now = op.now();
  const key = digest(presented);
  const record = await op.store.tokens.get(key);
  if (!record || record.kind !== 'refresh_token' || record.clientId !== client.clientId) {
    throw oauthError('invalid_grant', 'refresh_token is invalid');
  }
  const scope = narrowedScope(params.get('scope'), record.scope);
  const consumed = await op.store.tokens.consume(key, now);
  if (!consumed) {
    // Neither revoked nor expired, yet not consumable: it was used before (or just now, by a racer).
    const reused = !record.revoked && record.expiresAt > now;
    if (reused) {
      await op.store.tokens.revokeGrant(record.grantId);
      log.warn({ clientId: client.clientId, grantId: record.grantId }, 'refresh token reused: grant revoked');
    }
    throw oauthError('invalid_grant', 'refresh_token is invalid, expired or already used');
  }
  return mintTokens(op, client, {
    grantId: consumed.grantId,
    clientId: consumed.clientId,
    sub: consumed.sub,
    scope: scope.includes('offline_access') ? scope : [...scope, 'offline_access'],
    authReqId: consumed.authReqId,
    acr: consumed.acr,
    amr: consumed.amr,
    authTime: consumed.authTime,
  });
}
