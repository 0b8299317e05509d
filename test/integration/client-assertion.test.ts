/**
 * JWT client authentication (RFC 7523): private_key_jwt with inline keys and with a jwks_uri
 * served over real HTTP on loopback, client_secret_jwt, at the backchannel and token endpoints.
 * Every failure is 401 invalid_client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { jsonServer, type JsonServer } from '../support/json-server.js';
import { ASSERTION_TYPE, clientAssertion, jwksOf, nowSec, testKey, type Claims, type TestKey } from '../support/jwt.js';
import { CIBA } from './clients.js';

const HS_SECRET = 'a-client-secret-of-at-least-thirty-two-bytes';

describe('JWT client authentication', () => {
  let t: TestOp;
  let rp: JsonServer;
  let key: TestKey;
  let remoteKey: TestKey;
  let rotatedKey: TestKey;
  let strangerKey: TestKey;
  let rsaKey: TestKey;

  beforeAll(async () => {
    [key, remoteKey, rotatedKey, strangerKey, rsaKey] = await Promise.all([testKey(), testKey(), testKey(), testKey(), testKey('PS256')]);
    rp = await jsonServer({ '/jwks': jwksOf(remoteKey) });
    const poll = { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' };
    t = await startOp({
      config: {
        outbound: { allowPrivateHosts: [rp.host] },
        clientJwks: { cacheMaxAgeSec: 600, refetchCooldownSec: 0 },
        clients: [
          { ...poll, client_id: 'pk', token_endpoint_auth_method: 'private_key_jwt', jwks: jwksOf(key) },
          { ...poll, client_id: 'pk-remote', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: rp.url('/jwks') },
          // localhost is not on the allow-list, and resolves to loopback.
          { ...poll, client_id: 'pk-unlisted', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `http://localhost:${rp.host.split(':')[1]}/jwks` },
          { ...poll, client_id: 'hs', client_secret: HS_SECRET, token_endpoint_auth_method: 'client_secret_jwt' },
          { ...poll, client_id: 'basic', client_secret: 'basic-secret' },
          {
            ...poll,
            client_id: 'fapi',
            fapi_ciba: true,
            token_endpoint_auth_method: 'private_key_jwt',
            backchannel_authentication_request_signing_alg: 'PS256',
            jwks: jwksOf(rsaKey),
          },
        ],
      },
    });
    await t.createUser({ sub: 'pat' });
  });
  afterAll(async () => {
    await t.close();
    await rp.close();
  });

  const bc = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'pat', ...form }, headers);
  const asserted = (assertion: string, extra: Record<string, string> = {}) => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...extra });
  const assertion = (signer: TestKey | { alg: string; secret: string }, clientId: string, overrides: Claims = {}, header: Claims = {}) =>
    clientAssertion(signer, clientId, t.url, overrides, header);

  async function unauthenticated(form: Record<string, string>, pattern: RegExp) {
    const res = await bc(form);
    expect(res.status, JSON.stringify(res.body)).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body.error_description).toMatch(pattern);
  }

  describe('accepted', () => {
    it.each([
      ['the issuer', (op: string) => op],
      ['the token endpoint URL', (op: string) => `${op}/token`],
      ['the backchannel endpoint URL', (op: string) => `${op}/bc-authorize`],
      ['an array holding one of them', (op: string) => ['https://elsewhere.example', `${op}/token`]],
    ])('aud = %s, the client found from the assertion with no client_id sent', async (_name, aud) => {
      const res = await bc(asserted(await clientAssertion(key, 'pk', aud(t.url))));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    });

    it('a client_id parameter that agrees with the assertion', async () => {
      expect((await bc(asserted(await assertion(key, 'pk'), { client_id: 'pk' }))).status).toBe(200);
    });

    it('client_secret_jwt: an HMAC under the client secret', async () => {
      expect((await bc(asserted(await assertion({ alg: 'HS256', secret: HS_SECRET }, 'hs')))).status).toBe(200);
    });

    it('at the token endpoint too', async () => {
      const ack = await bc(asserted(await assertion(key, 'pk')));
      const res = await postForm(`${t.url}/token`, {
        grant_type: CIBA,
        auth_req_id: ack.body.auth_req_id as string,
        ...asserted(await clientAssertion(key, 'pk', `${t.url}/token`)),
      });
      expect(res.body.error).toBe('authorization_pending');
    });

    it('PS256 from a client under the FAPI-CIBA profile', async () => {
      const res = await bc(asserted(await assertion(rsaKey, 'fapi', {}, { alg: 'PS256' })));
      // Authenticated: what fails now is the missing signed request, a 400.
      expect(res.status).toBe(400);
      expect(res.body.error_description).toMatch(/signed authentication request/);
    });
  });

  describe('refused with 401 invalid_client', () => {
    it('no assertion at all', () => unauthenticated({ client_id: 'pk' }, /client authentication is required/));
    it('a replayed jti', async () => {
      const once = await assertion(key, 'pk');
      expect((await bc(asserted(once))).status).toBe(200);
      await unauthenticated(asserted(once), /used before/);
    });
    it('RS256 under the FAPI-CIBA profile', async () =>
      unauthenticated(asserted(await assertion(rsaKey, 'fapi', {}, { alg: 'RS256' })), /alg RS256 is not allowed \(allowed: PS256, ES256\)/));
    it('another audience', async () => unauthenticated(asserted(await clientAssertion(key, 'pk', 'https://other-op.example')), /aud must name this OP/));
    it('expired', async () => unauthenticated(asserted(await assertion(key, 'pk', { iat: nowSec() - 600, exp: nowSec() - 300 })), /expired/));
    it('living longer than clientAssertionMaxLifetimeSec', async () =>
      unauthenticated(asserted(await assertion(key, 'pk', { exp: nowSec() + 3600 })), /must expire within 300 seconds/));
    it('without jti', async () => unauthenticated(asserted(await assertion(key, 'pk', { jti: undefined })), /lacks the jti claim/));
    it('iss naming another client than sub', async () => unauthenticated(asserted(await assertion(key, 'pk', { iss: 'basic' })), /iss must be the client_id pk/));
    it('a client_id parameter that disagrees', async () => unauthenticated(asserted(await assertion(key, 'pk'), { client_id: 'hs' }), /client_id does not match/));
    it("signed with a key the client never registered", async () => unauthenticated(asserted(await assertion(strangerKey, 'pk')), /no key the signer registered/));
    it('an HMAC from a private_key_jwt client', async () =>
      unauthenticated(asserted(await assertion({ alg: 'HS256', secret: HS_SECRET }, 'pk')), /does not go with private_key_jwt/));
    it('an HMAC under a wrong secret', async () =>
      unauthenticated(asserted(await assertion({ alg: 'HS256', secret: `${HS_SECRET}-not` }, 'hs')), /signature/));
    it('an assertion from a client registered for client_secret_basic', async () =>
      unauthenticated(asserted(await assertion(key, 'basic')), /registered for client_secret_basic/));
    it('a wrong client_assertion_type', async () =>
      unauthenticated({ client_assertion_type: 'urn:example:other', client_assertion: await assertion(key, 'pk') }, /client_assertion_type must be/));
    it('something that is not a JWT', () => unauthenticated(asserted('not.a.jwt'), /not a JWT/));
  });

  it('refuses an assertion together with Basic as two methods (400 invalid_request)', async () => {
    const res = await bc(asserted(await assertion(key, 'pk')), basic('basic', 'basic-secret'));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  describe('keys at a jwks_uri', () => {
    it('fetches them over HTTP, keeps them cached, and refetches once for a kid it has not seen', async () => {
      expect((await bc(asserted(await assertion(remoteKey, 'pk-remote')))).status).toBe(200);
      expect((await bc(asserted(await assertion(remoteKey, 'pk-remote')))).status).toBe(200);
      expect(rp.hits('/jwks')).toBe(1);

      rp.set('/jwks', jwksOf(rotatedKey));
      expect((await bc(asserted(await assertion(rotatedKey, 'pk-remote')))).status).toBe(200);
      expect(rp.hits('/jwks')).toBe(2);

      const res = await bc(asserted(await assertion(strangerKey, 'pk-remote')));
      expect(res.status).toBe(401);
      expect(rp.hits('/jwks')).toBe(3);
    });

    it('refuses a jwks_uri whose host resolves to loopback without being allow-listed', async () => {
      const before = rp.hits('/jwks');
      await unauthenticated(asserted(await assertion(remoteKey, 'pk-unlisted')), /jwks_uri is refused .*not a public address/);
      expect(rp.hits('/jwks')).toBe(before);
    });
  });
});
