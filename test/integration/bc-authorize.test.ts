/** POST /bc-authorize: every error CIBA §7/§13 names, in the order the checks must run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { TEST_CLIENTS } from './clients.js';

describe('POST /bc-authorize', () => {
  let t: TestOp;
  let endpoint: string;
  const auth = basic('poll', 'poll-secret');
  const ok = { scope: 'openid', login_hint: 'bob' };

  beforeAll(async () => {
    t = await startOp({ config: { clients: TEST_CLIENTS, backchannelBindingMessagePattern: '^[A-Z0-9]{4,8}$' } });
    await t.createUser({ sub: 'bob', email: 'bob@example.com', phone_number: '+15550001', userCode: '4321' });
    await t.createUser({ sub: 'dup1', email: 'same@example.com' });
    await t.createUser({ sub: 'dup2', email: 'same@example.com' });
    await t.createUser({ sub: 'gone', disabled: true });
    endpoint = `${t.url}/bc-authorize`;
  });
  afterAll(() => t.close());

  async function expectError(params: Record<string, string | string[]>, status: number, error: string, headers = auth) {
    const res = await postForm(endpoint, params, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error).toBe(error);
    expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
    expect(res.body.error_description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/);
    return res;
  }

  it('acknowledges with auth_req_id, expires_in and interval, uncached', async () => {
    const res = await postForm(endpoint, ok, auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['auth_req_id', 'expires_in', 'interval']);
    expect(res.body.auth_req_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body).toMatchObject({ expires_in: 600, interval: 1 });
  });

  it('resolves login_hint through each configured claim', async () => {
    for (const hint of ['bob', 'bob@example.com', '+15550001']) {
      expect((await postForm(endpoint, { scope: 'openid', login_hint: hint }, auth)).status).toBe(200);
    }
  });

  describe('client authentication (401 invalid_client)', () => {
    it('refuses a missing authentication with a Basic challenge', async () => {
      const res = await expectError(ok, 401, 'invalid_client', {});
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    });
    it('refuses a wrong secret, an unknown client and a malformed header', async () => {
      await expectError(ok, 401, 'invalid_client', basic('poll', 'wrong'));
      await expectError(ok, 401, 'invalid_client', basic('nobody', 'poll-secret'));
      await expectError(ok, 401, 'invalid_client', { authorization: 'Basic !!!' });
    });
    it('refuses a method other than the registered one', async () => {
      await expectError({ ...ok, client_id: 'poll', client_secret: 'poll-secret' }, 401, 'invalid_client', {});
      await expectError(ok, 401, 'invalid_client', basic('posting', 'posting-secret'));
    });
    it('accepts client_secret_post for a client registered for it', async () => {
      const res = await postForm(endpoint, { ...ok, client_id: 'posting', client_secret: 'posting-secret' });
      expect(res.status).toBe(200);
    });
    it('refuses two methods at once', async () => {
      await expectError({ ...ok, client_secret: 'poll-secret' }, 400, 'invalid_request');
    });
    it('refuses a client_assertion that is not a JWT (JWT client authentication: client-assertion.test.ts)', async () => {
      const res = await expectError({ ...ok, client_id: 'poll', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'x.y.z' }, 401, 'invalid_client', {});
      expect(res.body.error_description).toMatch(/client_assertion is not a JWT/);
    });
  });

  it('answers unauthorized_client for a client without the CIBA grant', async () => {
    await expectError(ok, 400, 'unauthorized_client', basic('refresh-only', 'refresh-secret'));
  });

  it('refuses a request object from a client that registered no signing alg (signed requests: signed-requests.test.ts)', async () => {
    const res = await expectError({ ...ok, request: 'e30.e30.' }, 400, 'invalid_request');
    expect(res.body.error_description).toMatch(/has not registered backchannel_authentication_request_signing_alg/);
  });

  describe('scope', () => {
    it('is required', async () => {
      await expectError({ login_hint: 'bob' }, 400, 'invalid_request');
    });
    it('must contain openid, in any order', async () => {
      await expectError({ scope: 'profile email', login_hint: 'bob' }, 400, 'invalid_scope');
      expect((await postForm(endpoint, { scope: 'email openid', login_hint: 'bob' }, auth)).status).toBe(200);
    });
    it('refuses scopes outside what the client registered', async () => {
      await expectError({ scope: 'openid email', login_hint: 'bob' }, 400, 'invalid_scope', basic('narrow', 'narrow-secret'));
    });
    it('refuses offline_access for a client without the refresh_token grant', async () => {
      await expectError({ scope: 'openid offline_access', login_hint: 'bob' }, 400, 'invalid_scope', basic('other', 'other-secret'));
    });
  });

  it('refuses a parameter sent twice', async () => {
      await expectError({ scope: 'openid', login_hint: ['bob', 'bob'] }, 400, 'invalid_request');
    });

  describe('requested_expiry', () => {
    it.each(['0', '-5', '1.5', 'abc', '1e3', ' '])('refuses %j', async (value) => {
      await expectError({ ...ok, requested_expiry: value }, 400, 'invalid_request');
    });
    it('honours a positive integer and caps it at cibaMaxExpirationTimeAllowedSec', async () => {
      expect((await postForm(endpoint, { ...ok, requested_expiry: '120' }, auth)).body.expires_in).toBe(120);
      expect((await postForm(endpoint, { ...ok, requested_expiry: '999999' }, auth)).body.expires_in).toBe(1800);
    });
  });

  describe('hints', () => {
    it('requires one', async () => {
      await expectError({ scope: 'openid' }, 400, 'invalid_request');
    });
    it('refuses two before resolving either', async () => {
      const res = await expectError({ scope: 'openid', login_hint: 'nobody-at-all', id_token_hint: 'x' }, 400, 'invalid_request');
      expect(res.body.error_description).toMatch(/exactly one/);
    });
    it('answers unknown_user_id for no match, an ambiguous match and a disabled user', async () => {
      await expectError({ scope: 'openid', login_hint: 'nobody' }, 400, 'unknown_user_id');
      await expectError({ scope: 'openid', login_hint: 'same@example.com' }, 400, 'unknown_user_id');
      await expectError({ scope: 'openid', login_hint: 'gone' }, 400, 'unknown_user_id');
    });
    it('refuses token hints that are not JWTs (token hints: token-hints.test.ts)', async () => {
      for (const kind of ['login_hint_token', 'id_token_hint']) {
        const res = await expectError({ scope: 'openid', [kind]: 'a.b.c' }, 400, 'invalid_request');
        expect(res.body.error_description).toContain(kind);
      }
    });
  });

  describe('user_code', () => {
    const coded = basic('coded', 'coded-secret');
    it('is required from a client registered for it', async () => {
      await expectError(ok, 400, 'missing_user_code', coded);
    });
    it('must match the user', async () => {
      await expectError({ ...ok, user_code: '0000' }, 400, 'invalid_user_code', coded);
    });
    it('is accepted when right', async () => {
      expect((await postForm(endpoint, { ...ok, user_code: '4321' }, coded)).status).toBe(200);
    });
    it('is never demanded from other clients', async () => {
      expect((await postForm(endpoint, ok, auth)).status).toBe(200);
    });
    it('is checked after the user is resolved', async () => {
      await expectError({ scope: 'openid', login_hint: 'nobody' }, 400, 'unknown_user_id', coded);
    });
  });

  describe('binding_message', () => {
    it('must match backchannelBindingMessagePattern', async () => {
      await expectError({ ...ok, binding_message: 'no spaces allowed' }, 400, 'invalid_binding_message');
    });
    it('is accepted when it matches', async () => {
      expect((await postForm(endpoint, { ...ok, binding_message: 'AB12' }, auth)).status).toBe(200);
    });
    it('is checked last', async () => {
      await expectError({ scope: 'openid', login_hint: 'nobody', binding_message: 'bad msg' }, 400, 'unknown_user_id');
    });
  });

  describe('client_notification_token', () => {
    it('refuses one over 1024 characters or outside the b64token set', async () => {
      await expectError({ ...ok, client_notification_token: 'a'.repeat(1025) }, 400, 'invalid_request');
      await expectError({ ...ok, client_notification_token: 'not a token' }, 400, 'invalid_request');
    });
  });

  it('ignores unknown parameters', async () => {
    expect((await postForm(endpoint, { ...ok, something_else: 'x' }, auth)).status).toBe(200);
  });

  it('answers a JSON body with invalid_request, not a crash', async () => {
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"scope":"openid"}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses an oversized body without crashing', async () => {
    const res = await postForm(endpoint, { ...ok, binding_message: 'A'.repeat(100_000) }, auth);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('invalid_request');
  });
});
