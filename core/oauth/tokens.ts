/**
 * Minting: access token, optional refresh token and ID token for one grant. Opaque tokens are
 * random and stored only as digests; all tokens of one approval share a grant id.
 */
import { createHash } from 'node:crypto';
import type { OpContext } from '../context.js';
import type { ClientRecord, TokenRecord } from '../store/ports.js';
import type { SigningAlg } from './keys.js';
import { digest, randomToken } from './secrets.js';

export const AUTH_REQ_ID_CLAIM = 'urn:openid:params:jwt:claim:auth_req_id';
export const RT_HASH_CLAIM = 'urn:openid:params:jwt:claim:rt_hash';

export interface Grant {
  grantId: string;
  clientId: string;
  sub: string;
  scope: string[];
  authReqId: string;
  acr: string | null;
  amr: string[] | null;
  /** Epoch ms of the end-user's authentication. */
  authTime: number | null;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  id_token: string;
  refresh_token?: string;
  scope: string;
}

/** OIDC Core §3.1.3.6: left half of the SHA-256 (every algorithm we sign with uses SHA-256). */
export function halfHash(value: string): string {
  return createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
}

function tokenRecord(grant: Grant, kind: TokenRecord['kind'], value: string, now: number, lifetimeSec: number): TokenRecord {
  return {
    digest: digest(value),
    kind,
    clientId: grant.clientId,
    sub: grant.sub,
    scope: grant.scope,
    grantId: grant.grantId,
    authReqId: grant.authReqId,
    acr: grant.acr,
    amr: grant.amr,
    authTime: grant.authTime,
    createdAt: now,
    expiresAt: now + lifetimeSec * 1000,
    consumedAt: null,
    revoked: false,
  };
}

/** Also called outside a request (push callbacks), hence only the parts of the context it uses. */
export async function mintTokens(op: Pick<OpContext, 'config' | 'store' | 'keys' | 'subjects' | 'now'>, client: ClientRecord, grant: Grant): Promise<TokenResponse> {
  const now = op.now();
  const lifetimes = op.config.tokens;
  const accessToken = randomToken();
  const refreshToken = grant.scope.includes('offline_access') ? randomToken() : undefined;

  const records = [tokenRecord(grant, 'access_token', accessToken, now, lifetimes.accessTokenLifetimeSec)];
  if (refreshToken) records.push(tokenRecord(grant, 'refresh_token', refreshToken, now, lifetimes.refreshTokenLifetimeSec));

  const iat = Math.floor(now / 1000);
  const claims: Record<string, unknown> = {
    iss: op.config.issuer,
    sub: await op.subjects.forClient(client.metadata, grant.sub),
    aud: client.clientId,
    iat,
    exp: iat + lifetimes.idTokenLifetimeSec,
    at_hash: halfHash(accessToken),
    [AUTH_REQ_ID_CLAIM]: grant.authReqId,
  };
  if (grant.authTime !== null) claims.auth_time = Math.floor(grant.authTime / 1000);
  if (grant.acr !== null) claims.acr = grant.acr;
  if (grant.amr !== null) claims.amr = grant.amr;
  if (refreshToken) claims[RT_HASH_CLAIM] = halfHash(refreshToken);

  const [idToken] = await Promise.all([
    op.keys.sign(client.metadata.id_token_signed_response_alg as SigningAlg, claims),
    op.store.tokens.createMany(records),
  ]);
  const response: TokenResponse = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: lifetimes.accessTokenLifetimeSec,
    id_token: idToken,
    scope: grant.scope.join(' '),
  };
  if (refreshToken) response.refresh_token = refreshToken;
  return response;
}
