/** The end-user's verification page over real HTTP: link cookie, CSRF, sign-in per acr, decisions. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { createLogger } from '../../core/logging.js';
import { basic, decideViaLink, LogCapture, openLink, postForm, startOp, type TestOp } from '../support/op.js';
import { ACR_PASSWORD, CIBA, claimsOf, pollToken, RP, startRequest } from '../support/enduser.js';

const form = (cookie: string, fields: Record<string, string>) => ({
  method: 'POST',
  headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});
const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] as string;

describe('verification page', () => {
  let t: TestOp;
  let clock = Date.now();
  const clients = [
    { ...RP, client_name: '<b>Evil & Co</b>', logo_uri: 'https://cdn.example.com/logo.png' },
    { client_id: 'es', client_secret: 'es-secret', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', id_token_signed_response_alg: 'ES256' },
  ];

  beforeAll(async () => {
    t = await startOp({ config: { clients }, now: () => clock });
    await t.createUser({ sub: 'gina', password: 'gina-password-1' });
    await t.createUser({ sub: 'hugo', password: 'hugo-password-1' });
  });
  afterAll(() => t.close());

  it('moves the link token into an HttpOnly cookie and redirects to a clean URL', async () => {
    const { link, token } = await startRequest(t, { login_hint: 'gina' });
    expect(link).toMatch(new RegExp(`^${t.url}/verify\\?token=[A-Za-z0-9_-]{43}$`));
    const opened = await fetch(link, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/verify');
    expect(opened.headers.get('cache-control')).toBe('no-store');
    const cookie = opened.headers.get('set-cookie') as string;
    expect(cookie).toMatch(new RegExp(`^ciba-link=${token}; Max-Age=(59\\d|600); Path=/; HttpOnly; SameSite=Lax$`));
  });

  it('shows client, logo, scopes in plain words and the binding message, escaped, with hardened headers', async () => {
    const { link } = await startRequest(t, { login_hint: 'gina', binding_message: 'TX-42 <script>' });
    const { status, html, cookie, pageUrl } = await openLink(link);
    expect(status).toBe(200);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('&lt;b&gt;Evil &amp; Co&lt;/b&gt; asks you to sign in');
    expect(html).toContain('src="https://cdn.example.com/logo.png"');
    expect(html).toMatch(/<p class="binding" id="binding-message">TX-42 &lt;script&gt;<\/p>/);
    expect(html).toContain('<li>Your email address</li>');
    expect(html).toContain('expires in 10 min');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('name="password"'); // the link acr asks for nothing more
    const res = await fetch(pageUrl, { headers: { cookie } });
    const csp = res.headers.get('content-security-policy') as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('works once: a reused link meets the same neutral page as an unknown one', async () => {
    const { link } = await startRequest(t, { login_hint: 'gina' });
    const decided = await decideViaLink(link, 'approve');
    expect(decided.status).toBe(200);
    expect(decided.html).toContain('You approved the request');
    const again = await openLink(link);
    const unknown = await openLink(`${t.url}/verify?token=${'x'.repeat(43)}`);
    expect([again.status, unknown.status]).toEqual([404, 404]);
    expect(again.html).toBe(unknown.html);
    expect(again.html).toContain('no longer valid');
  });

  it('refuses an expired link, and a page left open past expiry, with the same neutral page', async () => {
    const { link } = await startRequest(t, { login_hint: 'gina', requested_expiry: '60' });
    const { html, cookie, pageUrl } = await openLink(link);
    clock += 61_000;
    expect((await openLink(link)).status).toBe(404);
    const late = await fetch(pageUrl, form(cookie, { csrf: csrfOf(html), decision: 'approve' }));
    expect(late.status).toBe(404);
    expect(await late.text()).toContain('no longer valid');
  });

  it('refuses a POST without the CSRF token, or with another link’s, and leaves the request pending', async () => {
    const first = await startRequest(t, { login_hint: 'gina', binding_message: 'FIRST' });
    const second = await startRequest(t, { login_hint: 'gina', binding_message: 'SECOND' });
    const firstPage = await openLink(first.link);
    // The same browser opens the second link: its cookie replaces the first one.
    const secondPage = await openLink(second.link);

    const missing = await fetch(secondPage.pageUrl, form(secondPage.cookie, { decision: 'approve' }));
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('out of date');
    const stale = await fetch(secondPage.pageUrl, form(secondPage.cookie, { csrf: csrfOf(firstPage.html), decision: 'approve' }));
    expect(stale.status).toBe(403);
    const noCookie = await fetch(secondPage.pageUrl, form('', { csrf: csrfOf(secondPage.html), decision: 'approve' }));
    expect(noCookie.status).toBe(404);
    expect((await pollToken(t, second.id)).body.error).toBe('authorization_pending');

    const right = await fetch(secondPage.pageUrl, form(secondPage.cookie, { csrf: csrfOf(secondPage.html), decision: 'approve' }));
    expect(right.status).toBe(200);
    expect(right.headers.get('set-cookie')).toMatch(/^ciba-link=; Max-Age=0;/);
    expect((await pollToken(t, second.id)).status).toBe(200);
    expect((await pollToken(t, first.id)).body.error).toBe('authorization_pending');
  });

  it('asks for a password when the acr demands it, and only the user the hint named can approve', async () => {
    const { id, link } = await startRequest(t, { login_hint: 'gina', acr_values: ACR_PASSWORD });
    const { html, cookie, pageUrl } = await openLink(link);
    expect(html).toContain('<label for="username">Username</label>');
    expect(html).toMatch(/<input id="password" name="password" type="password" autocomplete="current-password"/);
    const post = async (fields: Record<string, string>) => {
      const res = await fetch(pageUrl, form(cookie, { csrf: csrfOf(html), decision: 'approve', ...fields }));
      return { status: res.status, html: await res.text() };
    };

    const bare = await post({});
    expect(bare.status).toBe(403);
    expect(bare.html).toContain('Enter your username and password to approve.');
    const wrong = await post({ username: 'gina', password: 'not-her-password' });
    expect(wrong.status).toBe(403);
    expect(wrong.html).toContain('The username or password is not correct.');
    expect(wrong.html).toContain('value="gina"');
    const someoneElse = await post({ username: 'hugo', password: 'hugo-password-1' });
    expect(someoneElse.status).toBe(403);
    expect(someoneElse.html).toContain('This request is for a different account.');
    expect((await pollToken(t, id)).body.error).toBe('authorization_pending');

    const right = await post({ username: 'gina', password: 'gina-password-1' });
    expect(right.status).toBe(200);
    const tokens = await pollToken(t, id);
    const claims = claimsOf(tokens.body.id_token);
    expect(claims).toMatchObject({ sub: 'gina', acr: ACR_PASSWORD, amr: ['otp', 'pwd'] });
    expect(claims.auth_time).toBe(Math.floor(clock / 1000));
  });

  it('lets the user deny without a password even when approving needs one', async () => {
    const { id, link } = await startRequest(t, { login_hint: 'gina', acr_values: ACR_PASSWORD });
    const denied = await decideViaLink(link, 'deny');
    expect(denied.status).toBe(200);
    expect(denied.html).toContain('You denied the request');
    expect((await pollToken(t, id)).body).toMatchObject({ error: 'access_denied', error_description: 'the end-user denied the request' });
  });

  it('refuses a decision that is neither approve nor deny', async () => {
    const { id, link } = await startRequest(t, { login_hint: 'gina' });
    const { html, cookie, pageUrl } = await openLink(link);
    const res = await fetch(pageUrl, form(cookie, { csrf: csrfOf(html), decision: 'maybe' }));
    expect(res.status).toBe(400);
    expect((await pollToken(t, id)).body.error).toBe('authorization_pending');
  });

  it('signs the ID token with the client’s id_token_signed_response_alg', async () => {
    const headers = basic('es', 'es-secret');
    const ack = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'gina' }, headers);
    await decideViaLink(await t.linkFor(ack.body.auth_req_id as string), 'approve');
    const res = await postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: ack.body.auth_req_id as string }, headers);
    expect(decodeProtectedHeader(res.body.id_token as string).alg).toBe('ES256');
  });
});

describe('verification page logging', () => {
  it('never writes the link token to the log, even with every request logged', async () => {
    const logs = new LogCapture();
    const t = await startOp({ config: { clients: [RP] }, logger: createLogger('debug', logs) });
    try {
      await t.createUser({ sub: 'gina' });
      const ack = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'gina' }, basic('rp', 'rp-secret'));
      let line: Record<string, unknown> | undefined;
      for (let i = 0; i < 100 && !line; i += 1) {
        line = logs.lines.find((l) => l.authReqId === ack.body.auth_req_id && typeof l.verificationLink === 'string');
        if (!line) await new Promise((r) => setTimeout(r, 10));
      }
      const link = line?.verificationLink as string;
      expect((await decideViaLink(link, 'approve')).status).toBe(200);
      await openLink(link);
      const token = new URL(link).searchParams.get('token') as string;
      expect(logs.lines.filter((l) => l.msg === 'request completed').length).toBeGreaterThanOrEqual(4);
      const mentions = logs.raw.filter((raw) => raw.includes(token));
      // Only the dev notifier's own line (devMode) carries it.
      expect(mentions).toHaveLength(1);
      expect(mentions[0]).toContain('dev notifier');
    } finally {
      await t.close();
    }
  });
});
