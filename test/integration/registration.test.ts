/** Dynamic registration (RFC 7591) with the CIBA metadata rules, and management (RFC 7592). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { CIBA } from './clients.js';

async function json(url: string, init: RequestInit & { json?: unknown } = {}) {
  const { json: body, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(rest.headers as Record<string, string>) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

describe('client registration', () => {
  let t: TestOp;
  beforeAll(async () => {
    t = await startOp();
    await t.createUser({ sub: 'erin' });
  });
  afterAll(() => t.close());
  const register = (body: unknown) => json(`${t.url}/register`, { method: 'POST', json: body });

  it('registers a poll client with response_types [] and the client can use CIBA at once', async () => {
    const res = await register({ client_name: 'Teller', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', response_types: [] });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ client_name: 'Teller', response_types: [], token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'RS256', backchannel_user_code_parameter: false, client_secret_expires_at: 0 });
    expect((res.body.client_secret as string).length).toBeGreaterThanOrEqual(43);
    const ack = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'erin' }, basic(res.body.client_id as string, res.body.client_secret as string));
    expect(ack.status).toBe(200);
  });

  it('defaults grant_types to dynamicGrantTypeDefault', async () => {
    const res = await register({ backchannel_token_delivery_mode: 'poll' });
    expect(res.status).toBe(201);
    expect(res.body.grant_types).toEqual([CIBA]);
  });

  it.each([
    ['a CIBA client without a delivery mode', { grant_types: [CIBA] }],
    ['a push client without a notification endpoint', { grant_types: [CIBA], backchannel_token_delivery_mode: 'push' }],
    ['an unknown delivery mode', { grant_types: [CIBA], backchannel_token_delivery_mode: 'carrier-pigeon' }],
    ['a grant type the OP does not support', { grant_types: ['authorization_code'] }],
    ['non-empty response_types', { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', response_types: ['code'] }],
    ['an unknown auth method', { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', token_endpoint_auth_method: 'none' }],
    ['an unavailable ID token alg', { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', id_token_signed_response_alg: 'HS256' }],
    ['a signed-request alg without keys', { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', backchannel_authentication_request_signing_alg: 'PS256' }],
    ['a non-boolean backchannel_user_code_parameter', { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', backchannel_user_code_parameter: 'yes' }],
    ['an http notification endpoint', { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', backchannel_client_notification_endpoint: 'http://rp.example/cb' }],
    ['a delivery mode without the CIBA grant', { grant_types: ['refresh_token'], backchannel_token_delivery_mode: 'poll' }],
    ['an unsupported scope', { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', scope: 'openid admin' }],
    ['pairwise subjects without a sector', { grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', subject_type: 'pairwise' }],
    ['a body that is not an object', [1, 2]],
  ])('refuses %s with invalid_client_metadata', async (_name, body) => {
    const res = await register(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client_metadata');
    expect(typeof res.body.error_description).toBe('string');
  });

  it('answers malformed JSON with invalid_request', async () => {
    const res = await fetch(`${t.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('manages a client with its registration access token (RFC 7592)', async () => {
    const reg = await register({ grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', client_name: 'Before' });
    const uri = reg.body.registration_client_uri as string;
    const bearer = { authorization: `Bearer ${reg.body.registration_access_token as string}` };
    expect(uri).toBe(`${t.url}/register/${reg.body.client_id as string}`);

    const read = await json(uri, { headers: bearer });
    expect(read.status).toBe(200);
    expect(read.body.client_name).toBe('Before');
    expect(read.body.client_secret).toBeUndefined();

    expect((await json(uri, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await json(uri)).status).toBe(401);

    const updated = await json(uri, { method: 'PUT', headers: bearer, json: { client_id: reg.body.client_id, grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', client_name: 'After' } });
    expect(updated.status).toBe(200);
    expect(updated.body.client_name).toBe('After');
    const mismatch = await json(uri, { method: 'PUT', headers: bearer, json: { client_id: 'someone-else', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' } });
    expect(mismatch.body.error).toBe('invalid_request');

    expect((await json(uri, { method: 'DELETE', headers: bearer })).status).toBe(204);
    expect((await json(uri, { headers: bearer })).status).toBe(401);
    const gone = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'erin' }, basic(reg.body.client_id as string, reg.body.client_secret as string));
    expect(gone.status).toBe(401);
  });
});

describe('client registration with an initial access token', () => {
  let t: TestOp;
  const iat = 'i'.repeat(40);
  beforeAll(async () => {
    t = await startOp({ config: { dynamicRegistration: { enabled: true, initialAccessToken: iat } } });
  });
  afterAll(() => t.close());

  it('refuses registration without the token and accepts it with', async () => {
    const body = JSON.stringify({ grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' });
    const headers = { 'content-type': 'application/json' };
    const refused = await fetch(`${t.url}/register`, { method: 'POST', headers, body });
    expect(refused.status).toBe(401);
    const accepted = await fetch(`${t.url}/register`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${iat}` }, body });
    expect(accepted.status).toBe(201);
  });
});
