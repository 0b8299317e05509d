/**
 * The FAPI-CIBA profile switched on for every client: what discovery advertises, what
 * registration refuses, and a whole flow driven by a standards RP library (openid-client) with
 * private_key_jwt, a PS256 signed request and a PS256 ID token.
 */
import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, importJWK, jwtVerify, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config/load.js';
import { decideViaLink, postForm, startOp, type TestOp } from '../support/op.js';
import { ASSERTION_TYPE, clientAssertion, jwksOf, requestObject, testKey, type TestKey } from '../support/jwt.js';
import { CIBA } from './clients.js';

describe('FAPI-CIBA profile for every client', () => {
  let t: TestOp;
  let key: TestKey;
  const bank = {
    client_id: 'bank',
    grant_types: [CIBA],
    backchannel_token_delivery_mode: 'poll',
    token_endpoint_auth_method: 'private_key_jwt',
    backchannel_authentication_request_signing_alg: 'PS256',
  };

  beforeAll(async () => {
    key = await testKey('PS256');
    t = await startOp({ config: { fapiCibaEnabled: true, clients: [{ ...bank, jwks: jwksOf(key) }] } });
    await t.createUser({ sub: 'fay', email: 'fay@example.com' });
  });
  afterAll(() => t.close());

  const auth = async () => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(key, 'bank', t.url) });
  const signed = (params: Record<string, unknown>) => requestObject(key, 'bank', t.url, { scope: 'openid', login_hint: 'fay', ...params });

  it('advertises only what the profile allows', async () => {
    const doc = (await (await fetch(`${t.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['PS256', 'ES256'],
      backchannel_authentication_request_signing_alg_values_supported: ['PS256', 'ES256'],
      id_token_signing_alg_values_supported: ['PS256', 'ES256'],
    });
    expect(doc.backchannel_token_delivery_modes_supported).not.toContain('push');
  });

  it('runs a whole flow with openid-client: private_key_jwt, a signed request, a PS256 ID token', async () => {
    const privateKey = (await importJWK(key.privateJwk, 'PS256')) as CryptoKey;
    const rp = await oidc.discovery(new URL(t.url), 'bank', { id_token_signed_response_alg: 'PS256' }, oidc.PrivateKeyJwt({ key: privateKey, kid: key.kid }), {
      execute: [oidc.allowInsecureRequests],
    });
    const ack = await oidc.initiateBackchannelAuthentication(rp, { request: await signed({ binding_message: 'FAPI1' }) });
    expect((await decideViaLink(await t.linkFor(ack.auth_req_id), 'approve')).status).toBe(200);
    const tokens = await oidc.pollBackchannelAuthenticationGrant(rp, ack);
    expect(decodeProtectedHeader(tokens.id_token as string).alg).toBe('PS256');
    const { payload } = await jwtVerify(tokens.id_token as string, createRemoteJWKSet(new URL('/jwks', t.url)), { issuer: t.url, audience: 'bank' });
    expect(payload.sub).toBe('fay');
  });

  it('requires a signed request and a binding_message', async () => {
    const unsigned = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'fay', binding_message: 'FAPI2', ...(await auth()) });
    expect(unsigned.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/signed authentication request/) });
    const unbound = await postForm(`${t.url}/bc-authorize`, { request: await signed({}), ...(await auth()) });
    expect(unbound.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/binding_message is required/) });
  });

  it.each([
    ['client_secret_basic', { token_endpoint_auth_method: 'client_secret_basic' }, /private_key_jwt/],
    ['RS256 signed requests', { backchannel_authentication_request_signing_alg: 'RS256' }, /PS256 or ES256/],
    ['RS256 client assertions', { token_endpoint_auth_signing_alg: 'RS256' }, /PS256 or ES256/],
    ['RS256 ID tokens', { id_token_signed_response_alg: 'RS256' }, /PS256 or ES256/],
    ['no signed requests', { backchannel_authentication_request_signing_alg: undefined }, /backchannel_authentication_request_signing_alg is required/],
  ])('refuses to register a client with %s', async (_name, change, pattern) => {
    const body = { ...bank, client_id: undefined, jwks: jwksOf(key), ...change };
    const res = await fetch(`${t.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = (await res.json()) as Record<string, string>;
    expect(res.status, JSON.stringify(answer)).toBe(400);
    expect(answer.error).toBe('invalid_client_metadata');
    expect(answer.error_description).toMatch(pattern);
  });

  it('registers a compliant client with the profile defaults (PS256 ID tokens)', async () => {
    const res = await fetch(`${t.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...bank, client_id: undefined, jwks: jwksOf(key) }) });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', id_token_signed_response_alg: 'PS256' });
    expect(body.client_secret).toBeUndefined();
  });

  it('stops start-up when a configured client breaks the profile', async () => {
    const failure = await startOp({ config: { fapiCibaEnabled: true, clients: [{ client_id: 'old', client_secret: 's', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' }] } }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems.join('\n')).toMatch(/clients\[0\] \(old\): .*private_key_jwt/);
  });
});
