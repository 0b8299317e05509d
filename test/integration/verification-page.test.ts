/** The minimal end-user page behind the verification link. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { basic, decideViaLink, postForm, startOp, type TestOp } from '../support/op.js';
import { CIBA } from './clients.js';

describe('verification link and page', () => {
  let t: TestOp;
  let clock = Date.now();
  const clients = [
    { client_id: 'rp', client_secret: 'rp-secret', client_name: '<b>Evil & Co</b>', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' },
    { client_id: 'es', client_secret: 'es-secret', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', id_token_signed_response_alg: 'ES256' },
  ];
  const auth = basic('rp', 'rp-secret');

  beforeAll(async () => {
    t = await startOp({ config: { clients }, now: () => clock });
    await t.createUser({ sub: 'gina' });
  });
  afterAll(() => t.close());

  async function start(extra: Record<string, string> = {}, headers = auth): Promise<{ id: string; link: string }> {
    const ack = await postForm(`${t.url}/bc-authorize`, { scope: 'openid email', login_hint: 'gina', ...extra }, headers);
    const id = ack.body.auth_req_id as string;
    return { id, link: await t.linkFor(id) };
  }

  it('shows client, scopes in plain words and the binding message, escaped, with hardened headers', async () => {
    const { link } = await start({ binding_message: 'TX-42 <script>' });
    expect(link).toMatch(new RegExp(`^${t.url}/verify\\?token=[A-Za-z0-9_-]{43}$`));
    const res = await fetch(link);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('&lt;b&gt;Evil &amp; Co&lt;/b&gt;');
    expect(html).toContain('TX-42 &lt;script&gt;');
    expect(html).toContain('Your email address');
    expect(html).not.toContain('<script');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('works once: a second decision meets the neutral dead-link page', async () => {
    const { link } = await start();
    expect((await decideViaLink(link, 'approve')).status).toBe(200);
    const again = await fetch(link);
    expect(again.status).toBe(404);
    const unknown = await fetch(`${t.url}/verify?token=${'x'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(await again.text()).toBe(await unknown.text());
  });

  it('refuses an expired link with the same neutral page', async () => {
    const { link } = await start({ requested_expiry: '2' });
    clock += 3_000;
    const res = await fetch(link);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('no longer valid');
  });

  it('refuses a decision that is neither approve nor deny', async () => {
    const { link } = await start();
    const token = new URL(link).searchParams.get('token') as string;
    const res = await fetch(`${t.url}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, decision: 'maybe' }),
    });
    expect(res.status).toBe(400);
    expect((await fetch(link)).status).toBe(200);
  });

  it('signs the ID token with the client’s id_token_signed_response_alg', async () => {
    const headers = basic('es', 'es-secret');
    const { id, link } = await start({}, headers);
    await decideViaLink(link, 'approve');
    const res = await postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: id }, headers);
    expect(decodeProtectedHeader(res.body.id_token as string).alg).toBe('ES256');
  });

  it('never writes the link token to the request log', async () => {
    const { link } = await start();
    await fetch(link);
    const token = new URL(link).searchParams.get('token') as string;
    const mentions = t.logs.raw.filter((line) => line.includes(token));
    // Only the dev notifier's own line (devMode) carries it.
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toContain('dev notifier');
  });
});
