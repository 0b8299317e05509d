/** The authenticator-app API: the same request and the same decisions as the page, as JSON. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOp, type TestOp } from '../support/op.js';
import { ACR_PASSWORD, claimsOf, pollToken, RP, startRequest } from '../support/enduser.js';

async function api(t: TestOp, token: string, body?: Record<string, string>) {
  const res = await fetch(`${t.url}/enduser/api/${body ? 'decision' : 'request'}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('authenticator-app API', () => {
  let t: TestOp;

  beforeAll(async () => {
    t = await startOp({ config: { clients: [{ ...RP, logo_uri: 'https://cdn.example.com/acme.png' }] } });
    await t.createUser({ sub: 'ivy', password: 'ivy-password-1' });
    await t.createUser({ sub: 'jon', password: 'jon-password-1' });
  });
  afterAll(() => t.close());

  it('describes the request behind a link token, and nothing else of it', async () => {
    const { token } = await startRequest(t, { login_hint: 'ivy', binding_message: 'W4SCT', acr_values: ACR_PASSWORD });
    const res = await api(t, token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      client: { client_id: 'rp', client_name: 'Acme Bank', logo_uri: 'https://cdn.example.com/acme.png' },
      scopes: [
        { scope: 'openid', description: 'Confirm who you are' },
        { scope: 'email', description: 'Your email address' },
      ],
      binding_message: 'W4SCT',
      expires_at: expect.any(Number),
      expires_in: expect.any(Number),
      acr: ACR_PASSWORD,
      password_required: true,
    });
    expect(res.body.expires_in).toBeGreaterThan(590);
  });

  it('refuses unknown and malformed link tokens alike, with 401 invalid_token', async () => {
    for (const token of ['x'.repeat(43), 'not a token']) {
      const res = await api(t, token);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    }
  });

  it('approves with the link alone when the acr asks for nothing more; the link then stops working', async () => {
    const { id, token } = await startRequest(t, { login_hint: 'ivy' });
    expect((await api(t, token)).body.password_required).toBe(false);
    expect(await api(t, token, { decision: 'approve' })).toMatchObject({ status: 200, body: { state: 'approved' } });
    expect(claimsOf((await pollToken(t, id)).body.id_token)).toMatchObject({ acr: 'urn:ciba-op:acr:link', amr: ['otp'] });
    expect((await api(t, token, { decision: 'deny' })).status).toBe(401);
  });

  it('applies the page’s rules to a password approval', async () => {
    const { id, token } = await startRequest(t, { login_hint: 'ivy', acr_values: ACR_PASSWORD });
    expect((await api(t, token, { decision: 'approve' })).body.error).toBe('invalid_request');
    const wrong = await api(t, token, { decision: 'approve', username: 'ivy', password: 'guess' });
    expect(wrong).toMatchObject({ status: 403, body: { error: 'access_denied', error_description: 'the username or password is not correct' } });
    const other = await api(t, token, { decision: 'approve', username: 'jon', password: 'jon-password-1' });
    expect(other.body.error_description).toMatch(/not those of the user this request is for/);
    expect(await api(t, token, { decision: 'approve', username: 'ivy', password: 'ivy-password-1' })).toMatchObject({ status: 200, body: { state: 'approved' } });
    expect(claimsOf((await pollToken(t, id)).body.id_token)).toMatchObject({ sub: 'ivy', acr: ACR_PASSWORD, amr: ['otp', 'pwd'] });
  });

  it('denies with the link alone', async () => {
    const { id, token } = await startRequest(t, { login_hint: 'ivy', acr_values: ACR_PASSWORD });
    expect(await api(t, token, { decision: 'deny' })).toMatchObject({ status: 200, body: { state: 'denied' } });
    expect((await pollToken(t, id)).body.error).toBe('access_denied');
  });
});
