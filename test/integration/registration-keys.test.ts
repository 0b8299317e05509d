/**
 * Registration of the metadata JWT-based clients need (RFC 7591, OIDC Registration §2, CIBA §4):
 * jwks xor jwks_uri, the JWT authentication methods and their algorithms, the signed-request
 * algorithm; and RFC 7592 updates that switch methods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postForm, startOp, type TestOp } from '../support/op.js';
import { ASSERTION_TYPE, clientAssertion, jwksOf, testKey, type TestKey } from '../support/jwt.js';
import { CIBA } from './clients.js';

const POLL = { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' };

describe('registration of keys and JWT client authentication', () => {
  let t: TestOp;
  let key: TestKey;

  beforeAll(async () => {
    key = await testKey();
    t = await startOp();
    await t.createUser({ sub: 'rex' });
  });
  afterAll(() => t.close());

  async function call(method: string, url: string, body: unknown, token?: string) {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const register = (body: Record<string, unknown>) => call('POST', `${t.url}/register`, { ...POLL, ...body });
  const authenticatesWith = async (clientId: string, signer: TestKey | { alg: string; secret: string }) =>
    (
      await postForm(`${t.url}/bc-authorize`, {
        scope: 'openid',
        login_hint: 'rex',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: await clientAssertion(signer, clientId, t.url),
      })
    ).status;

  it.each([
    ['both jwks and jwks_uri', () => ({ jwks: jwksOf(key), jwks_uri: 'https://rp.example/jwks' }), /must not both be present/],
    ['private_key_jwt without keys', () => ({ token_endpoint_auth_method: 'private_key_jwt' }), /private_key_jwt needs jwks or jwks_uri/],
    ['a private key in jwks', () => ({ jwks: { keys: [key.privateJwk] } }), /public keys only/],
    ['a symmetric key in jwks', () => ({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }), /RSA, EC or OKP/],
    ['an empty jwks', () => ({ jwks: { keys: [] } }), /at least one key/],
    ['a plain-http jwks_uri', () => ({ jwks_uri: 'http://rp.example/jwks' }), /https/],
    ['an HMAC alg for private_key_jwt', () => ({ token_endpoint_auth_method: 'private_key_jwt', jwks: jwksOf(key), token_endpoint_auth_signing_alg: 'HS256' }), /does not go with/],
    ['a signature alg for client_secret_jwt', () => ({ token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'ES256' }), /does not go with/],
    ['alg none for assertions', () => ({ token_endpoint_auth_method: 'private_key_jwt', jwks: jwksOf(key), token_endpoint_auth_signing_alg: 'none' }), /must be one of/],
    ['alg none for signed requests', () => ({ jwks: jwksOf(key), backchannel_authentication_request_signing_alg: 'none' }), /must be one of/],
    ['an HMAC alg for signed requests', () => ({ jwks: jwksOf(key), backchannel_authentication_request_signing_alg: 'HS256' }), /must be one of/],
    ['a signed-request alg without keys', () => ({ backchannel_authentication_request_signing_alg: 'ES256' }), /needs jwks or jwks_uri/],
    ['an unknown authentication method', () => ({ token_endpoint_auth_method: 'tls_client_auth' }), /must be one of/],
    ['an unknown subject type', () => ({ subject_type: 'anonymous' }), /subject_type must be one of/],
  ])('refuses %s with invalid_client_metadata', async (_name, body, pattern) => {
    const res = await register(body());
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client_metadata');
    expect(res.body.error_description).toMatch(pattern);
  });

  it('registers a private_key_jwt client without issuing a secret; it authenticates with its keys', async () => {
    const res = await register({ token_endpoint_auth_method: 'private_key_jwt', jwks: jwksOf(key) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.client_secret).toBeUndefined();
    expect(res.body.jwks).toEqual(jwksOf(key));
    expect(await authenticatesWith(res.body.client_id as string, key)).toBe(200);
  });

  it('registers a client_secret_jwt client whose secret keys the HMAC', async () => {
    const res = await register({ token_endpoint_auth_method: 'client_secret_jwt' });
    expect(res.status).toBe(201);
    const secret = res.body.client_secret as string;
    expect(await authenticatesWith(res.body.client_id as string, { alg: 'HS256', secret })).toBe(200);
    expect(await authenticatesWith(res.body.client_id as string, { alg: 'HS256', secret: `${secret}x` })).toBe(401);
  });

  it('switches a client to client_secret_jwt only when the update carries its secret (RFC 7592)', async () => {
    const reg = await register({});
    const { client_id, client_secret, registration_client_uri, registration_access_token } = reg.body as Record<string, string>;
    const update = (extra: Record<string, unknown>) =>
      call('PUT', registration_client_uri as string, { ...POLL, client_id, token_endpoint_auth_method: 'client_secret_jwt', ...extra }, registration_access_token);
    const refused = await update({});
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toMatch(/needs client_secret/);
    expect((await update({ client_secret })).status).toBe(200);
    expect(await authenticatesWith(client_id as string, { alg: 'HS256', secret: client_secret as string })).toBe(200);
  });

  it('keeps a client registered without a secret from switching to a secret-based method', async () => {
    const reg = await register({ token_endpoint_auth_method: 'private_key_jwt', jwks: jwksOf(key) });
    const { client_id, registration_client_uri, registration_access_token } = reg.body as Record<string, string>;
    const res = await call('PUT', registration_client_uri as string, { ...POLL, client_id, token_endpoint_auth_method: 'client_secret_basic' }, registration_access_token);
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(/registered without a secret cannot switch/);
  });
});
