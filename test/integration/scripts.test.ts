/**
 * Interception scripts end to end: pushed through the admin API, run in sandbox workers,
 * changing what the real HTTP endpoints answer; hot reload, rollback and dry runs.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../core/paths.js';
import { basic, decideViaLink, postForm, startOp, type TestOp } from '../support/op.js';
import { CIBA, TEST_CLIENTS } from './clients.js';

const ADMIN = 'a'.repeat(40);
const admin = { authorization: `Bearer ${ADMIN}` };

async function adminCall(t: TestOp, method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { ...admin, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

function push(t: TestOp, name: string, hook: string, source: string, activate = true) {
  return adminCall(t, 'POST', `/admin/scripts/${name}/versions`, { hook, source, activate, author: 'test' });
}

const RESOLVE_BY_CLAIM = (claim: string) => `
import type { ResolveLoginHint } from 'ciba-op/script';
export const resolveLoginHint: ResolveLoginHint = async (ctx, api) => {
  const [user] = await api.users.find('${claim}', ctx.value);
  return user ? { sub: user.sub } : { error: 'unknown_user_id', error_description: 'not in ${claim}' };
};`;

describe('interception scripts through the HTTP flow', () => {
  let t: TestOp;
  const auth = basic('poll', 'poll-secret');
  const bc = (params: Record<string, string>, headers = auth) =>
    postForm(`${t.url}/bc-authorize`, { scope: 'openid', ...params }, headers);

  // An HTTP peer that holds each request until the test opens the gate: a deterministic "slow call".
  let gate: Server;
  let gateUrl: string;
  let arrived: () => void = () => {};
  let open: () => void = () => {};
  beforeAll(async () => {
    gate = createServer((req, res) => {
      arrived();
      open = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    const port = (gate.address() as { port: number }).port;
    gateUrl = `http://127.0.0.1:${port}/hold`;
    t = await startOp({
      config: { clients: TEST_CLIENTS, adminToken: ADMIN, scripts: { workers: 1, httpAllowList: [`127.0.0.1:${port}`] } },
    });
    await t.createUser({ sub: 'hank', email: 'hank@example.com', claims: { employee_id: 'E-1001' }, userCode: '2468' });
  });
  afterAll(async () => {
    await t.close();
    gate.close();
  });

  it('keeps the admin API closed without the token', async () => {
    const res = await fetch(`${t.url}/admin/scripts`, { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
    expect((await fetch(`${t.url}/admin/scripts`)).status).toBe(401);
  });

  it('resolveLoginHint: a pushed script changes who a hint names; deactivating restores the built-in', async () => {
    expect((await bc({ login_hint: 'E-1001' })).body.error).toBe('unknown_user_id');
    const pushed = await push(t, 'by-employee-id', 'resolveLoginHint', RESOLVE_BY_CLAIM('employee_id'));
    expect(pushed.status).toBe(201);
    expect(pushed.body.script.activeVersion).toBe(1);
    const ack = await bc({ login_hint: 'E-1001' });
    expect(ack.status).toBe(200);
    const refused = await bc({ login_hint: 'hank@example.com' });
    expect(refused.body).toMatchObject({ error: 'unknown_user_id', error_description: 'not in employee_id' });

    await adminCall(t, 'POST', '/admin/scripts/by-employee-id/activate', { version: null });
    expect((await bc({ login_hint: 'hank@example.com' })).status).toBe(200);
    expect((await bc({ login_hint: 'E-1001' })).body.error).toBe('unknown_user_id');
  });

  it('validateUserCode: a script decides which user codes pass', async () => {
    const coded = basic('coded', 'coded-secret');
    expect((await bc({ login_hint: 'hank', user_code: '2468' }, coded)).status).toBe(200);
    await push(t, 'codes', 'validateUserCode', `
      import type { ValidateUserCode } from 'ciba-op/script';
      export const validateUserCode: ValidateUserCode = async (ctx) =>
        ctx.code === 'open-sesame' ? { ok: true } : { error: 'invalid_user_code', error_description: 'say the magic word' };`);
    expect((await bc({ login_hint: 'hank', user_code: 'open-sesame' }, coded)).status).toBe(200);
    expect((await bc({ login_hint: 'hank', user_code: '2468' }, coded)).body).toMatchObject({ error: 'invalid_user_code', error_description: 'say the magic word' });
    await adminCall(t, 'POST', '/admin/scripts/codes/activate', { version: null });
  });

  it('validateUserCode: the bundled default script does what the built-in does', async () => {
    const coded = basic('coded', 'coded-secret');
    await push(t, 'default-codes', 'validateUserCode', readFileSync(fromRoot('scripts', 'validateUserCode.ts'), 'utf8'));
    expect((await bc({ login_hint: 'hank', user_code: '2468' }, coded)).status).toBe(200);
    expect((await bc({ login_hint: 'hank', user_code: '1111' }, coded)).body.error).toBe('invalid_user_code');
    await adminCall(t, 'POST', '/admin/scripts/default-codes/activate', { version: null });
  });

  it('validateBindingMessage: a script adds its own rule after the configured pattern', async () => {
    await push(t, 'no-codes', 'validateBindingMessage', `
      import type { ValidateBindingMessage } from 'ciba-op/script';
      export const validateBindingMessage: ValidateBindingMessage = async ({ message }) =>
        /^\\d{6}$/.test(message) ? { error: 'invalid_binding_message', error_description: 'looks like a one-time code' } : { ok: true };`);
    expect((await bc({ login_hint: 'hank', binding_message: '123456' })).body.error).toBe('invalid_binding_message');
    expect((await bc({ login_hint: 'hank', binding_message: 'Order 42' })).status).toBe(200);
    await adminCall(t, 'POST', '/admin/scripts/no-codes/activate', { version: null });
  });

  it('notifyEndUser: a script that reaches nobody fails the request, and the client hears why', async () => {
    await push(t, 'silent', 'notifyEndUser', `
      import type { NotifyEndUser } from 'ciba-op/script';
      export const notifyEndUser: NotifyEndUser = async (ctx, api) => {
        await api.log('info', 'not telling anyone', { authReqId: ctx.authReqId });
        return { sent: [{ channel: 'email', delivered: false, error: 'mailbox full' }] };
      };`);
    const ack = await bc({ login_hint: 'hank' });
    let answer: Record<string, unknown> = {};
    for (let i = 0; i < 100 && answer.error !== 'access_denied'; i += 1) {
      await new Promise((r) => setTimeout(r, 1100));
      answer = (await postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: ack.body.auth_req_id as string }, auth)).body;
      if (answer.error === 'authorization_pending') continue;
      break;
    }
    expect(answer).toMatchObject({ error: 'access_denied', error_description: 'the end-user could not be reached' });
    await adminCall(t, 'POST', '/admin/scripts/silent/activate', { version: null });
  });

  it('a script that throws fails its own call with a 500 naming nothing internal, and the error is kept on the record', async () => {
    await push(t, 'broken', 'resolveLoginHint', `
      import type { ResolveLoginHint } from 'ciba-op/script';
      export const resolveLoginHint: ResolveLoginHint = async (ctx) => {
        if (ctx.value === 'boom') throw new Error('kaboom');
        return { sub: 'hank' };
      };`);
    const res = await bc({ login_hint: 'boom' });
    expect(res.status).toBe(500);
    expect(res.body.error).toBe('server_error');
    expect(JSON.stringify(res.body)).not.toContain('kaboom');
    const shown = await adminCall(t, 'GET', '/admin/scripts/broken');
    expect(shown.body.script.errorCount).toBe(1);
    expect(shown.body.script.lastError.message).toMatch(/kaboom/);
    expect(shown.body.script.lastError.message).toMatch(/broken@1/);
    expect((await bc({ login_hint: 'anything' })).status).toBe(200);
    await adminCall(t, 'POST', '/admin/scripts/broken/activate', { version: null });
  });

  it('refuses output that does not fit the hook schema', async () => {
    await push(t, 'sloppy', 'resolveLoginHint', `
      export async function resolveLoginHint() { return { sub: 'hank', extra: true } as any; }`);
    expect((await bc({ login_hint: 'x' })).status).toBe(500);
    const shown = await adminCall(t, 'GET', '/admin/scripts/sloppy');
    expect(shown.body.script.lastError.message).toMatch(/output schema/);
    await adminCall(t, 'POST', '/admin/scripts/sloppy/activate', { version: null });
  });

  it('hot reload: v2 answers the next request without a restart, a call in flight finishes on v1, rollback works', async () => {
    const slowV1 = () => `
      import type { ResolveLoginHint } from 'ciba-op/script';
      export const resolveLoginHint: ResolveLoginHint = async (ctx, api) => {
        if (ctx.value === 'slow') await api.http.post('${gateUrl}', { hold: true });
        return ctx.value === 'v1-only' || ctx.value === 'slow' ? { sub: 'hank' } : { error: 'unknown_user_id', error_description: 'v1' };
      };`;
    const v2 = `
      import type { ResolveLoginHint } from 'ciba-op/script';
      export const resolveLoginHint: ResolveLoginHint = async () => ({ error: 'unknown_user_id', error_description: 'v2' });`;
    await push(t, 'swap', 'resolveLoginHint', slowV1());
    expect((await bc({ login_hint: 'v1-only' })).status).toBe(200);

    const reachedGate = new Promise<void>((resolve) => (arrived = resolve));
    const inFlight = bc({ login_hint: 'slow' });
    await reachedGate;
    await push(t, 'swap', 'resolveLoginHint', v2);
    open();
    expect((await inFlight).status).toBe(200);
    expect((await bc({ login_hint: 'v1-only' })).body.error_description).toBe('v2');

    const rolledBack = await adminCall(t, 'POST', '/admin/scripts/swap/activate', { version: 1 });
    expect(rolledBack.body.script.activeVersion).toBe(1);
    expect((await bc({ login_hint: 'v1-only' })).status).toBe(200);

    const history = await adminCall(t, 'GET', '/admin/scripts/swap/versions');
    expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(history.body.versions[0].author).toBe('test');
    expect(history.body.versions[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    await adminCall(t, 'POST', '/admin/scripts/swap/activate', { version: null });
  });

  it('activating one script for a hook deactivates the other scripts of that hook', async () => {
    await push(t, 'first', 'validateBindingMessage', `export async function validateBindingMessage() { return { ok: true as const }; }`);
    await push(t, 'second', 'validateBindingMessage', `export async function validateBindingMessage() { return { ok: true as const }; }`);
    const list = await adminCall(t, 'GET', '/admin/scripts');
    const active = list.body.scripts.filter((s: { hook: string; activeVersion: number | null }) => s.hook === 'validateBindingMessage' && s.activeVersion !== null);
    expect(active.map((s: { name: string }) => s.name)).toEqual(['second']);
    await adminCall(t, 'POST', '/admin/scripts/second/activate', { version: null });
  });

  it('refuses a push that fails to compile or to type-check, naming the line', async () => {
    const syntax = await push(t, 'bad-syntax', 'resolveLoginHint', 'export async function resolveLoginHint( {');
    expect(syntax.status).toBe(400);
    expect(syntax.body.error_description).toMatch(/compile error at line 1/);
    const types = await push(t, 'bad-types', 'resolveLoginHint', `
      import type { ResolveLoginHint } from 'ciba-op/script';
      export const resolveLoginHint: ResolveLoginHint = async () => ({ sub: 42 });`);
    expect(types.status).toBe(400);
    expect(types.body.error_description).toMatch(/type check failed/);
    expect((await adminCall(t, 'GET', '/admin/scripts/bad-types')).status).toBe(404);
  });

  it('dry run: records capability calls, performs none, returns result, logs and duration', async () => {
    await push(t, 'notifier', 'notifyEndUser', `
      import type { NotifyEndUser } from 'ciba-op/script';
      export const notifyEndUser: NotifyEndUser = async (ctx, api) => {
        const key = await api.secrets.get('sms-key');
        await api.log('info', 'sending', { hasKey: key !== null });
        const r = await api.notify.email({ to: ctx.user.email ?? 'nobody@example.com', authReqId: ctx.authReqId, sub: ctx.user.sub,
          client: { id: ctx.client.id, name: ctx.client.name ?? ctx.client.id }, scopes: ctx.scopes, bindingMessage: ctx.bindingMessage,
          link: ctx.link, expiresAt: ctx.expiresAt });
        return { sent: [{ channel: r.channel, delivered: r.delivered }] };
      };`, false);
    const input = {
      authReqId: 'req-1', user: { sub: 'hank', username: 'hank', email: 'hank@example.com', phone_number: null, claims: {} },
      client: { id: 'poll', name: 'Poll RP', logoUri: null }, scopes: ['openid'], acrValues: [], bindingMessage: 'B-1',
      link: 'https://op.example/verify?token=t', expiresAt: Date.now() + 60_000, devices: [],
    };
    const res = await adminCall(t, 'POST', '/admin/scripts/notifier/test', { input });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.result).toEqual({ sent: [{ channel: 'email', delivered: true }] });
    expect(res.body.calls.map((c: { capability: string }) => c.capability)).toEqual(['secrets.get', 'log', 'notify.email']);
    expect(res.body.calls[2].args[0].to).toBe('hank@example.com');
    expect(res.body.logs).toEqual([{ level: 'info', message: 'sending', fields: { hasKey: true } }]);
    expect(res.body.durationUs).toBeGreaterThan(0);
    // The script was never activated, and nothing reached the log channel.
    expect(t.logs.lines.some((l) => l.msg === 'sending')).toBe(false);

    const unsaved = await adminCall(t, 'POST', '/admin/scripts/draft/test', {
      hook: 'validateBindingMessage',
      source: `export async function validateBindingMessage(ctx: { message: string }) { return ctx.message === 'x' ? { ok: true as const } : { error: 'invalid_binding_message' as const }; }`,
      input: { message: 'y', client: { id: 'poll', name: null, logoUri: null } },
    });
    expect(unsaved.body).toMatchObject({ ok: true, result: { error: 'invalid_binding_message' } });
    expect((await adminCall(t, 'GET', '/admin/scripts/draft')).status).toBe(404);

    const badInput = await adminCall(t, 'POST', '/admin/scripts/notifier/test', { input: { nope: 1 } });
    expect(badInput.status).toBe(400);
    expect(badInput.body.error_description).toMatch(/input schema/);
  });

  it('script secrets: stored sealed, readable only by their script, never listed with values', async () => {
    const set = await fetch(`${t.url}/admin/scripts/notifier/secrets/sms-key`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ value: 'hunter2-secret' }),
    });
    expect(set.status).toBe(204);
    const listed = await adminCall(t, 'GET', '/admin/scripts/notifier/secrets');
    expect(listed.body).toEqual({ secrets: ['sms-key'] });
    expect(JSON.stringify(await t.op.context.store.scriptSecrets.get('notifier', 'sms-key'))).not.toContain('hunter2');
    expect(t.logs.raw.some((l) => l.includes('hunter2'))).toBe(false);
  });
});
