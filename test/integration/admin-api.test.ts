/**
 * The admin API over real HTTP: every route refuses a missing or wrong token, every route's
 * happy path changes what the protocol endpoints answer, the OpenAPI document describes them,
 * and the audit log names every call without a secret in it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySecret } from '../../core/users/password.js';
import { adminCall } from '../support/admin.js';
import { authorize, poll } from '../support/ciba-steps.js';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { CIBA, TEST_CLIENTS } from './clients.js';

const ADMIN = 'admin-token-'.padEnd(48, 'z');
const PASSWORD = 'Ursula-pa55word-never-logged';
const USER_CODES = ['user-code-1357', 'user-code-2468'];

describe('admin API', () => {
  let t: TestOp;
  const secrets: string[] = [ADMIN, PASSWORD, ...USER_CODES];
  const admin = (method: string, path: string, body?: unknown) => adminCall(t.url, ADMIN, method, path, body);
  const bc = (auth: Record<string, string>, params: Record<string, string>) => postForm(`${t.url}/bc-authorize`, { scope: 'openid', ...params }, auth);

  beforeAll(async () => {
    t = await startOp({ config: { clients: TEST_CLIENTS, adminToken: ADMIN } });
    await t.createUser({ sub: 'hank', email: 'hank@example.com' });
  });
  afterAll(() => t.close());

  it('describes its routes in an OpenAPI document, and every one of them refuses a missing or wrong token', async () => {
    const doc = await admin('GET', '/admin/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.components.securitySchemes.adminToken).toEqual({ type: 'http', scheme: 'bearer' });
    const routes = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
    );
    const listed = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'GET /admin/clients', 'POST /admin/clients', 'GET /admin/clients/{clientId}', 'PUT /admin/clients/{clientId}',
      'DELETE /admin/clients/{clientId}', 'POST /admin/clients/{clientId}/secret', 'POST /admin/clients/{clientId}/disable',
      'POST /admin/clients/{clientId}/enable', 'GET /admin/users', 'POST /admin/users', 'GET /admin/users/{sub}',
      'PATCH /admin/users/{sub}', 'PUT /admin/users/{sub}/password', 'PUT /admin/users/{sub}/user-code',
      'POST /admin/users/{sub}/disable', 'POST /admin/users/{sub}/enable', 'GET /admin/requests', 'GET /admin/requests/{id}',
      'POST /admin/requests/{id}/cancel', 'GET /admin/keys', 'POST /admin/keys/rotate', 'GET /admin/scripts',
    ]) {
      expect(listed).toContain(expected);
    }
    expect(doc.body.paths['/admin/users'].post.requestBody.content['application/json'].schema.required).toEqual(['username']);

    for (const { method, path } of [...routes, { method: 'GET', path: '/admin/openapi.json' }]) {
      const concrete = path.replace(/\{[^}]+\}/g, 'x');
      for (const token of [null, 'wrong-token']) {
        const res = await adminCall(t.url, token, method, concrete);
        expect(res.status, `${method} ${concrete} with token ${token}`).toBe(401);
        expect(res.body.error).toBe('invalid_token');
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="ciba-op-admin"');
      }
    }
  });

  it('clients: create, list, show, update, rotate the secret, disable, enable, delete', async () => {
    const created = await admin('POST', '/admin/clients', {
      client_id: 'teller',
      client_name: 'Teller terminal',
      grant_types: [CIBA],
      backchannel_token_delivery_mode: 'poll',
    });
    expect(created.status).toBe(201);
    expect(created.body.client).toMatchObject({ clientId: 'teller', source: 'admin', disabled: false });
    const first = created.body.client_secret as string;
    secrets.push(first);
    expect(Object.keys(created.body.client)).not.toContain('secretDigest');
    expect((await bc(basic('teller', first), { login_hint: 'hank' })).status).toBe(200);

    expect((await admin('GET', '/admin/clients')).body.clients.map((c: { clientId: string }) => c.clientId)).toEqual(expect.arrayContaining(['teller', 'poll']));
    expect((await admin('GET', '/admin/clients/teller')).body.metadata.client_name).toBe('Teller terminal');

    const updated = await admin('PUT', '/admin/clients/teller', { client_name: 'Branch teller', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' });
    expect(updated.status).toBe(200);
    expect(updated.body.metadata.client_name).toBe('Branch teller');
    expect((await admin('PUT', '/admin/clients/teller', { grant_types: [CIBA] })).body.error).toBe('invalid_client_metadata');

    const rotated = await admin('POST', '/admin/clients/teller/secret');
    const second = rotated.body.client_secret as string;
    secrets.push(second);
    expect(second).not.toBe(first);
    expect((await bc(basic('teller', first), { login_hint: 'hank' })).status).toBe(401);
    expect((await bc(basic('teller', second), { login_hint: 'hank' })).status).toBe(200);

    expect((await admin('POST', '/admin/clients/teller/disable')).body.disabled).toBe(true);
    expect((await bc(basic('teller', second), { login_hint: 'hank' })).status).toBe(401);
    expect((await admin('POST', '/admin/clients/teller/enable')).body.disabled).toBe(false);
    expect((await bc(basic('teller', second), { login_hint: 'hank' })).status).toBe(200);

    expect((await admin('DELETE', '/admin/clients/teller')).status).toBe(204);
    expect((await admin('GET', '/admin/clients/teller')).status).toBe(404);
    expect((await bc(basic('teller', second), { login_hint: 'hank' })).status).toBe(401);
  });

  it('clients: refuses to change one from the configuration, or to create a duplicate', async () => {
    const changed = await admin('POST', '/admin/clients/poll/disable');
    expect(changed.status).toBe(409);
    expect(changed.body.error_description).toContain('configuration');
    expect((await admin('POST', '/admin/clients', { client_id: 'poll', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' })).status).toBe(409);
  });

  it('users: create, show, list, update claims, set password and user code, disable, enable', async () => {
    const created = await admin('POST', '/admin/users', {
      sub: 'ursula',
      username: 'ursula',
      email: 'ursula@example.com',
      claims: { name: 'Ursula U', locale: 'de' },
      password: PASSWORD,
      user_code: USER_CODES[0],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sub: 'ursula', hasPassword: true, hasUserCode: true, disabled: false });
    expect(Object.keys(created.body)).not.toContain('passwordHash');
    expect((await admin('POST', '/admin/users', { sub: 'ursula', username: 'other' })).status).toBe(409);
    expect((await admin('GET', '/admin/users/ursula')).body.email).toBe('ursula@example.com');
    expect((await admin('GET', '/admin/users?limit=500')).body.users.map((u: { sub: string }) => u.sub)).toContain('ursula');

    const coded = basic('coded', 'coded-secret');
    expect((await bc(coded, { login_hint: 'ursula', user_code: USER_CODES[0] as string })).status).toBe(200);
    expect((await admin('PUT', '/admin/users/ursula/user-code', { user_code: USER_CODES[1] })).status).toBe(200);
    expect((await bc(coded, { login_hint: 'ursula', user_code: USER_CODES[0] as string })).body.error).toBe('invalid_user_code');
    expect((await bc(coded, { login_hint: 'ursula', user_code: USER_CODES[1] as string })).status).toBe(200);

    const patched = await admin('PATCH', '/admin/users/ursula', { phone_number: '+41790000000', claims: { given_name: 'Ursula', locale: null } });
    expect(patched.body).toMatchObject({ phone_number: '+41790000000', claims: { name: 'Ursula U', given_name: 'Ursula' } });
    expect(patched.body.claims).not.toHaveProperty('locale');

    const before = (await t.op.context.store.users.get('ursula'))?.passwordHash as string;
    expect((await admin('PUT', '/admin/users/ursula/password', { password: `${PASSWORD}-2` })).status).toBe(200);
    const after = (await t.op.context.store.users.get('ursula'))?.passwordHash as string;
    expect(after).not.toBe(before);
    expect(await verifySecret(`${PASSWORD}-2`, after)).toBe(true);
    expect((await admin('PUT', '/admin/users/ursula/password', { password: 'short' })).body.error).toBe('invalid_request');

    expect((await admin('POST', '/admin/users/ursula/disable')).body.disabled).toBe(true);
    expect((await bc(basic('poll', 'poll-secret'), { login_hint: 'ursula' })).body.error).toBe('unknown_user_id');
    expect((await admin('POST', '/admin/users/ursula/enable')).body.disabled).toBe(false);
    expect((await bc(basic('poll', 'poll-secret'), { login_hint: 'ursula' })).status).toBe(200);
    expect((await admin('GET', '/admin/users/nobody')).status).toBe(404);
  });

  it('requests: list by state, client and user; show without secrets; cancel, and the client hears access_denied', async () => {
    const auth = basic('poll', 'poll-secret');
    const id = await authorize(t.url, auth, { login_hint: 'hank', binding_message: 'CANCEL-ME' });
    const listed = await admin('GET', '/admin/requests?state=pending&client_id=poll&sub=hank');
    expect(listed.body.requests.map((r: { id: string }) => r.id)).toContain(id);
    expect((await admin('GET', '/admin/requests?state=issued&client_id=poll&sub=hank')).body.requests).toEqual([]);
    expect((await admin('GET', '/admin/requests?sub=nobody')).body.requests).toEqual([]);

    const shown = await admin('GET', `/admin/requests/${id}`);
    expect(shown.body).toMatchObject({ id, clientId: 'poll', sub: 'hank', state: 'pending', bindingMessage: 'CANCEL-ME' });
    expect(Object.keys(shown.body)).not.toEqual(expect.arrayContaining(['linkHash']));
    expect(Object.keys(shown.body)).not.toEqual(expect.arrayContaining(['clientNotificationToken']));

    const cancelled = await admin('POST', `/admin/requests/${id}/cancel`);
    expect(cancelled.body).toMatchObject({ state: 'failed', reason: 'the request was cancelled by the operator' });
    expect((await poll(t.url, auth, id)).body).toEqual({ error: 'access_denied', error_description: 'the request was cancelled by the operator' });
    expect((await admin('POST', `/admin/requests/${id}/cancel`)).status).toBe(409);
    expect((await admin('GET', '/admin/requests/no-such-id')).status).toBe(404);
  });

  it('keys: lists them without key material and rotates one algorithm', async () => {
    const listed = await admin('GET', '/admin/keys');
    expect(listed.body.keys).toHaveLength(3);
    expect(listed.body.keys.every((k: { status: string; signing: boolean }) => k.status === 'active' && k.signing)).toBe(true);
    expect(JSON.stringify(listed.body)).not.toContain('encryptedPrivateJwk');

    const rotated = await admin('POST', '/admin/keys/rotate', { algorithms: ['ES256'] });
    expect(rotated.status).toBe(200);
    const [es256] = rotated.body.rotated;
    expect(es256.alg).toBe('ES256');
    expect(es256.retired).toHaveLength(1);
    const after = (await admin('GET', '/admin/keys')).body.keys as Array<{ kid: string; status: string; published: boolean; signing: boolean }>;
    expect(after).toHaveLength(4);
    expect(after.find((k) => k.kid === es256.kid)).toMatchObject({ status: 'active', signing: true });
    expect(after.find((k) => k.kid === es256.retired[0].kid)).toMatchObject({ status: 'retired', published: true, signing: false });
    expect((await admin('POST', '/admin/keys/rotate', { algorithms: ['HS256'] })).body.error).toBe('invalid_request');
  });

  it('audit-logs every call, refused ones included, with no secret in the log', () => {
    const audit = t.logs.lines.filter((l) => l.msg === 'admin call').map((l) => l.audit as { method: string; route: string; status: number; actor: string; params: Record<string, string> });
    expect(audit.length).toBeGreaterThan(60);
    expect(audit).toContainEqual(expect.objectContaining({ method: 'POST', route: '/admin/clients/:clientId/secret', params: { clientId: 'teller' }, status: 200, actor: 'admin-token' }));
    expect(audit).toContainEqual(expect.objectContaining({ method: 'PUT', route: '/admin/users/:sub/password', params: { sub: 'ursula' }, status: 200 }));
    expect(audit).toContainEqual(expect.objectContaining({ method: 'GET', route: '/admin/keys', status: 401, actor: 'unauthenticated' }));
    const log = t.logs.raw.join('\n');
    for (const secret of secrets) expect(log.includes(secret), `a secret leaked into the log: ${secret.slice(0, 6)}…`).toBe(false);
  });
});
