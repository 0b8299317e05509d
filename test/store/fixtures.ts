/**
 * Records for the store contract. Ids are unique per call so tests never collide, and every
 * time lies in the future: a MongoDB TTL monitor must never delete a record under a test.
 */
import { randomBytes } from 'node:crypto';
import type { AuthRequestRecord, ClientRecord, KeyRecord, TokenRecord, UserRecord } from '../../core/store/ports.js';

export const T0 = Date.now() + 3_600_000;
export const MINUTE = 60_000;

export const uid = (prefix: string): string => `${prefix}-${randomBytes(9).toString('base64url')}`;

export function clientRecord(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    clientId: uid('client'),
    secretDigest: uid('digest'),
    secretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    source: 'dynamic',
    disabled: false,
    metadata: {
      client_name: 'Example RP',
      grant_types: ['urn:openid:params:grant-type:ciba'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      backchannel_token_delivery_mode: 'poll',
      backchannel_user_code_parameter: false,
    },
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function userRecord(overrides: Partial<UserRecord> = {}): UserRecord {
  const sub = overrides.sub ?? uid('user');
  return {
    sub,
    username: `${sub}-name`,
    email: `${sub}@example.com`,
    phone_number: null,
    claims: { name: 'Jane Doe', email_verified: true },
    passwordHash: null,
    userCodeHash: null,
    disabled: false,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function authRequestRecord(overrides: Partial<AuthRequestRecord> = {}): AuthRequestRecord {
  return {
    id: uid('req'),
    clientId: 'client-1',
    sub: 'user-1',
    scope: ['openid', 'email'],
    acrValues: [],
    bindingMessage: 'W4SCT',
    clientNotificationToken: null,
    deliveryMode: 'poll',
    state: 'pending',
    createdAt: T0,
    expiresAt: T0 + 10 * MINUTE,
    purgeAt: T0 + 13 * MINUTE,
    interval: 5,
    lastPollAt: null,
    linkHash: uid('link'),
    decidedAt: null,
    authTime: null,
    acr: null,
    amr: null,
    reason: null,
    ...overrides,
  };
}

export function tokenRecord(overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    digest: uid('tok'),
    kind: 'refresh_token',
    clientId: 'client-1',
    sub: 'user-1',
    scope: ['openid', 'offline_access'],
    grantId: uid('grant'),
    authReqId: uid('req'),
    acr: null,
    amr: ['pwd'],
    authTime: T0,
    createdAt: T0,
    expiresAt: T0 + 60 * MINUTE,
    consumedAt: null,
    revoked: false,
    ...overrides,
  };
}

export function keyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  const kid = overrides.kid ?? uid('kid');
  return {
    kid,
    alg: 'RS256',
    publicJwk: { kty: 'RSA', kid, n: 'AQAB-modulus', e: 'AQAB' },
    encryptedPrivateJwk: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..iv.ciphertext.tag',
    createdAt: T0,
    status: 'active',
    retireAt: null,
    ...overrides,
  };
}
