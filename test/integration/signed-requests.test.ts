/**
 * Signed authentication requests (CIBA §7.1.1): every rule of ../shared/CIBA.md "Signed
 * requests", each failure a 400 invalid_request naming the rule. Request objects are built with
 * jose, the way an RP would.
 */
import { UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { ASSERTION_TYPE, clientAssertion, jwksOf, nowSec, requestObject, signJwt, testKey, type Claims, type TestKey } from '../support/jwt.js';
import { CIBA } from './clients.js';

const MINUTE = 60;

describe('signed authentication requests', () => {
  let t: TestOp;
  let key: TestKey;
  let otherKey: TestKey;
  let rsaKey: TestKey;
  const auth = basic('signer', 'signer-secret');
  const params = { scope: 'openid', login_hint: 'sam' };

  beforeAll(async () => {
    [key, otherKey, rsaKey] = await Promise.all([testKey('ES256'), testKey('ES256'), testKey('PS256')]);
    const signer = { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', backchannel_authentication_request_signing_alg: 'ES256' };
    t = await startOp({
      config: {
        clients: [
          { ...signer, client_id: 'signer', client_secret: 'signer-secret', jwks: jwksOf(key) },
          { ...signer, client_id: 'other-signer', client_secret: 'other-secret', jwks: jwksOf(otherKey) },
          { client_id: 'plain', client_secret: 'plain-secret', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' },
          {
            client_id: 'fapi',
            fapi_ciba: true,
            grant_types: [CIBA],
            backchannel_token_delivery_mode: 'poll',
            token_endpoint_auth_method: 'private_key_jwt',
            backchannel_authentication_request_signing_alg: 'PS256',
            jwks: jwksOf(rsaKey),
          },
        ],
      },
    });
    await t.createUser({ sub: 'sam', email: 'sam@example.com' });
  });
  afterAll(() => t.close());

  const signed = (claims: Claims = {}, header: Claims = {}, signingKey = key, clientId = 'signer') =>
    requestObject(signingKey, clientId, t.url, params, claims, header);
  const send = (request: string, extra: Record<string, string> = {}, headers = auth) =>
    postForm(`${t.url}/bc-authorize`, { request, ...extra }, headers);

  async function refused(request: string | Promise<string>, pattern: RegExp, extra: Record<string, string> = {}, headers = auth) {
    const res = await send(await request, extra, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toMatch(pattern);
  }

  describe('accepted', () => {
    it.each([
      ['without typ', {}],
      ['with typ oauth-authz-req+jwt', { typ: 'oauth-authz-req+jwt' }],
      ['with typ in another case', { typ: 'OAuth-Authz-Req+JWT' }],
      ['with the full media type', { typ: 'application/oauth-authz-req+jwt' }],
    ])('a baseline request %s', async (_name, header) => {
      const res = await send(await signed({}, header));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.auth_req_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('an aud array that contains the issuer', async () => {
      expect((await send(await signed({ aud: ['https://elsewhere.example', t.url] }))).status).toBe(200);
    });

    it('requested_expiry as a JSON string and as a JSON number', async () => {
      expect((await send(await signed({ requested_expiry: '120' }))).body.expires_in).toBe(120);
      expect((await send(await signed({ requested_expiry: 90 }))).body.expires_in).toBe(90);
    });

    it('client authentication parameters and unknown ones outside the JWT, never merging them in', async () => {
      const res = await send(await signed(), { client_id: 'signer', acr_unknown: 'x' });
      expect(res.status).toBe(200);
    });
  });

  describe('refused with 400 invalid_request', () => {
    it('typ other than oauth-authz-req+jwt', () => refused(signed({}, { typ: 'JWT' }), /typ/));
    it('aud missing', () => refused(signed({ aud: undefined }), /lacks the aud claim/));
    it('aud naming another issuer', () => refused(signed({ aud: 'https://other-op.example' }), /aud must contain the issuer/));
    it('aud array without the issuer', () => refused(signed({ aud: ['https://other-op.example'] }), /aud must contain the issuer/));
    it('iss missing', () => refused(signed({ iss: undefined }), /lacks the iss claim/));
    it('iss naming another client', () => refused(signed({ iss: 'other-signer' }), /iss must be the client_id signer/));
    it('exp missing', () => refused(signed({ exp: undefined }), /lacks the exp claim/));
    it('exp in the past', () => refused(signed({ exp: nowSec() - 2 * MINUTE, nbf: nowSec() - 10 * MINUTE }), /expired/));
    it('exp 70 minutes after nbf', () => refused(signed({ exp: nowSec() + 70 * MINUTE }), /3600 seconds/));
    it('iat missing', () => refused(signed({ iat: undefined }), /lacks the iat claim/));
    it('iat in the future', () => refused(signed({ iat: nowSec() + 10 * MINUTE }), /iat/));
    it('nbf missing', () => refused(signed({ nbf: undefined }), /lacks the nbf claim/));
    it('nbf 10 minutes ahead', () => refused(signed({ nbf: nowSec() + 10 * MINUTE, exp: nowSec() + 20 * MINUTE }), /not valid yet/));
    it('nbf 70 minutes ago with exp 5 minutes ahead', () =>
      refused(signed({ nbf: nowSec() - 70 * MINUTE, iat: nowSec() - 70 * MINUTE, exp: nowSec() + 5 * MINUTE }), /3600 seconds/));
    it('jti missing', () => refused(signed({ jti: undefined }), /lacks the jti claim/));

    it('jti replayed', async () => {
      const request = await signed();
      expect((await send(request)).status).toBe(200);
      await refused(request, /used before/);
    });

    it('alg none', () => refused(new UnsecuredJWT({ iss: 'signer', aud: t.url, ...params }).setIssuedAt().encode(), /ES256, not none/));
    it('an HMAC under the client secret', () => refused(signJwt({ alg: 'HS256', secret: 'signer-secret' }, { iss: 'signer', aud: t.url, ...params }), /ES256, not HS256/));

    it('a corrupted signature', async () => {
      const [header, payload, signature] = (await signed()).split('.') as [string, string, string];
      const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
      await refused(`${header}.${payload}.${flipped}`, /signature/);
    });

    it("signed with another client's key", () => refused(signed({}, {}, otherKey), /no key/));

    it('RS256 from a client under the FAPI-CIBA profile', async () => {
      const assertion = await clientAssertion(rsaKey, 'fapi', t.url, {}, { alg: 'PS256' });
      const fapiAuth = { client_assertion_type: ASSERTION_TYPE, client_assertion: assertion };
      const request = await requestObject({ ...rsaKey, alg: 'RS256' }, 'fapi', t.url, { ...params, binding_message: 'AB12' });
      await refused(request, /PS256, not RS256/, fapiAuth, {});
    });

    it('authentication request parameters also sent outside the JWT', async () => {
      await refused(signed(), /login_hint must be inside/, { login_hint: 'sam' });
      await refused(signed(), /scope must be inside/, { scope: 'openid' });
    });

    it('two hints inside the JWT', () => refused(signed({ id_token_hint: 'x.y.z' }), /exactly one/));
    it('a member that is not a string', () => refused(signed({ scope: ['openid'] }), /scope must be a string/));
    it('requested_expiry that is not a positive integer', () => refused(signed({ requested_expiry: 'soon' }), /requested_expiry/));
    it('request_uri', () => refused(signed(), /request_uri is not supported/, { request_uri: 'https://rp.example/r/1' }));
    it('a request that is not a JWT', () => refused(Promise.resolve('not-a-jwt'), /signed JWT/));

    it('an unsigned request from a client that registered a signing alg', async () => {
      const res = await postForm(`${t.url}/bc-authorize`, params, auth);
      expect(res.status).toBe(400);
      expect(res.body.error_description).toMatch(/must send a signed authentication request/);
    });

    it('a request object from a client that registered no signing alg', () =>
      refused(signed({ iss: 'plain' }, {}, key, 'plain'), /has not registered backchannel_authentication_request_signing_alg/, {}, basic('plain', 'plain-secret')));
  });
});
