/**
 * The two token hints (CIBA §7.1): an id_token_hint is an ID token this OP issued (also with a
 * key rotated out since, also just expired); a login_hint_token goes through the
 * processLoginHintToken hook, built-in or the bundled default script.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../core/paths.js';
import { createStore } from '../../core/store/index.js';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { approvedTokens } from '../support/flow.js';
import { jwksOf, nowSec, signJwt, testKey, type TestKey } from '../support/jwt.js';
import { CIBA } from './clients.js';

const ADMIN = 'h'.repeat(40);
const HOUR_MS = 3_600_000;

describe('token hints', () => {
  let t: TestOp;
  let dataDir: string;
  let rpKey: TestKey;
  let strangerKey: TestKey;
  /** A signing key of the OP's that was rotated out and is still published until its tokens expire. */
  let retiredKey: TestKey;
  let idToken: string;
  /** Moves the OP's clock; tests that use it put it back. */
  let offsetMs = 0;
  const rp = { headers: basic('rp', 'rp-secret') };

  beforeAll(async () => {
    [rpKey, strangerKey, retiredKey] = await Promise.all([testKey(), testKey(), testKey('RS256')]);
    dataDir = mkdtempSync(join(tmpdir(), 'ciba-op-hints-'));
    const store = createStore({ type: 'embedded', dataDir });
    await store.init();
    await store.keys.create({
      kid: retiredKey.kid,
      alg: 'RS256',
      publicJwk: { ...retiredKey.publicJwk, alg: 'RS256' },
      encryptedPrivateJwk: 'a retired key is only published, never decrypted',
      createdAt: Date.now() - 2 * HOUR_MS,
      status: 'retired',
      retireAt: Date.now() + HOUR_MS,
    });
    await store.close();
    const poll = { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' };
    t = await startOp({
      dataDir,
      now: () => Date.now() + offsetMs,
      config: {
        adminToken: ADMIN,
        scripts: { workers: 1 },
        clients: [
          { ...poll, client_id: 'rp', client_secret: 'rp-secret', jwks: jwksOf(rpKey) },
          { ...poll, client_id: 'rp2', client_secret: 'rp2-secret' },
        ],
      },
    });
    await t.createUser({ sub: 'hana', email: 'hana@example.com' });
    idToken = (await approvedTokens(t, { scope: 'openid', login_hint: 'hana' }, rp)).id_token as string;
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const bc = (form: Record<string, string>, headers = rp.headers) => postForm(`${t.url}/bc-authorize`, { scope: 'openid', ...form }, headers);

  async function refused(form: Record<string, string>, error: string, pattern: RegExp, headers = rp.headers) {
    const res = await bc(form, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toBe(error);
    expect(res.body.error_description).toMatch(pattern);
  }

  describe('id_token_hint', () => {
    it('names the user of an ID token this OP issued to the client', async () => {
      const res = await bc({ id_token_hint: idToken });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    });

    it('is still accepted just after it expired, within idTokenHintGracePeriodSec, and refused after', async () => {
      try {
        offsetMs = HOUR_MS + 60_000;
        expect((await bc({ id_token_hint: idToken })).status).toBe(200);
        offsetMs = 2 * HOUR_MS + 120_000;
        await refused({ id_token_hint: idToken }, 'invalid_request', /id_token_hint has expired/);
      } finally {
        offsetMs = 0;
      }
    });

    it('verifies with a signing key rotated out but still published', async () => {
      const jwks = (await (await fetch(`${t.url}/jwks`)).json()) as { keys: Array<{ kid: string }> };
      expect(jwks.keys.map((k) => k.kid)).toContain(retiredKey.kid);
      expect(decodeProtectedHeader(idToken).kid).not.toBe(retiredKey.kid);
      const before = await signJwt(retiredKey, { iss: t.url, sub: 'hana', aud: 'rp', iat: nowSec() - 600, exp: nowSec() + 600 }, { alg: 'RS256' });
      expect((await bc({ id_token_hint: before })).status).toBe(200);
    });

    it('refuses an ID token from another issuer', async () => {
      const foreign = await signJwt(strangerKey, { iss: 'https://other-op.example', sub: 'hana', aud: 'rp', iat: nowSec(), exp: nowSec() + 600 });
      await refused({ id_token_hint: foreign }, 'invalid_request', /id_token_hint is signed with no key/);
    });

    it('refuses an ID token issued to another client', async () => {
      await refused({ id_token_hint: idToken }, 'invalid_request', /aud must contain the client_id rp2/, basic('rp2', 'rp2-secret'));
    });

    it('refuses something that is not a JWT', () => refused({ id_token_hint: 'not-a-jwt' }, 'invalid_request', /id_token_hint is not a well-formed signed JWT/));
  });

  describe('login_hint_token (built-in)', () => {
    const token = (claims: Record<string, unknown>, key: TestKey = rpKey) => signJwt(key, { iat: nowSec(), exp: nowSec() + 300, ...claims });

    it('names the user by sub when the requesting client signed it', async () => {
      expect((await bc({ login_hint_token: await token({ sub: 'hana@example.com' }) })).status).toBe(200);
    });
    it('answers expired_login_hint_token for an expired one', async () =>
      refused({ login_hint_token: await token({ sub: 'hana', iat: nowSec() - 600, exp: nowSec() - 300 }) }, 'expired_login_hint_token', /expired/));
    it('answers invalid_request for a malformed one', () => refused({ login_hint_token: 'garbage' }, 'invalid_request', /login_hint_token/));
    it('answers invalid_request for one signed by a key the client never registered', async () =>
      refused({ login_hint_token: await token({ sub: 'hana' }, strangerKey) }, 'invalid_request', /no key/));
    it('answers unknown_user_id when it names nobody', async () => refused({ login_hint_token: await token({ sub: 'nobody' }) }, 'unknown_user_id', /login_hint_token/));
  });

  it('login_hint_token through the bundled default script does what the built-in does', async () => {
    const push = await fetch(`${t.url}/admin/scripts/default-lht/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hook: 'processLoginHintToken', source: readFileSync(fromRoot('scripts', 'processLoginHintToken.ts'), 'utf8'), activate: true, author: 'test' }),
    });
    expect(push.status, await push.clone().text()).toBe(201);
    const signed = (claims: Record<string, unknown>) => signJwt(rpKey, { iat: nowSec(), exp: nowSec() + 300, ...claims });
    expect((await bc({ login_hint_token: await signed({ sub: 'hana' }) })).status).toBe(200);
    await refused({ login_hint_token: await signed({ sub: 'hana', exp: nowSec() - 300 }) }, 'expired_login_hint_token', /expired/);
    await refused({ login_hint_token: 'garbage' }, 'invalid_request', /login_hint_token/);
    await refused({ login_hint_token: await signed({ sub: 'nobody' }) }, 'unknown_user_id', /login_hint_token/);
  });
});
