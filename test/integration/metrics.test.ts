/**
 * /metrics after a real flow: the Prometheus exposition is parsed and every series the issue
 * names has moved — HTTP by route and status with latency, auth requests by outcome, token
 * issuance, script calls/errors/timeouts/durations by script and version, notifier attempts by
 * channel and result, store operation latency, sandbox pool. Also the token gate and the
 * health probes.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminCall } from '../support/admin.js';
import { approve, authorize, poll } from '../support/ciba-steps.js';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { startWebhookReceiver, webhookChannel, type WebhookReceiver } from '../support/webhook-receiver.js';
import { CIBA, TEST_CLIENTS } from './clients.js';

const ADMIN = 'm'.repeat(40);
const METRICS_TOKEN = 'metrics-scrape-token-'.padEnd(40, 's');

/** The value of one sample of the text exposition, by metric name and exact labels; 0 when absent. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(labels).length === Object.keys(found).length && Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return 0;
}

describe('metrics and health', () => {
  let t: TestOp;
  let receiver: WebhookReceiver;
  const auth = basic('poll', 'poll-secret');
  const scrape = async () => {
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    return res.text();
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver(['unreachable-user']);
    t = await startOp({
      config: {
        clients: TEST_CLIENTS,
        adminToken: ADMIN,
        metrics: { token: METRICS_TOKEN },
        cibaEndUserNotificationConfig: webhookChannel(receiver),
        scripts: { workers: 1, deadlineMs: 300 },
      },
    });
    await t.createUser({ sub: 'mia', email: 'mia@example.com', claims: { employee_id: 'E-7' } });
    await t.createUser({ sub: 'unreachable-user' });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('keeps /metrics behind its token when one is configured', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('exposes every series the operator needs, and they move with a flow', async () => {
    const before = await scrape();

    // A poll flow to tokens, with a pending poll on the way.
    const id = await authorize(t.url, auth, { login_hint: 'mia' });
    expect((await poll(t.url, auth, id)).body.error).toBe('authorization_pending');
    await approve(await receiver.linkFor(id));
    await new Promise((r) => setTimeout(r, 1000)); // the test client's poll interval
    expect((await poll(t.url, auth, id)).status).toBe(200);
    // A user whose notification fails: the channel answers 500, the request fails.
    const failed = await authorize(t.url, auth, { login_hint: 'unreachable-user' });
    await vi.waitFor(async () => expect((await t.op.context.store.authRequests.get(failed))?.state).toBe('failed'));

    // Scripts: one that answers, one that never does (deadline 300 ms).
    const push = (name: string, hook: string, source: string) =>
      adminCall(t.url, ADMIN, 'POST', `/admin/scripts/${name}/versions`, { hook, source, activate: true });
    expect((await push('by-employee', 'resolveLoginHint', `
      import type { ResolveLoginHint } from 'ciba-op/script';
      export const resolveLoginHint: ResolveLoginHint = async (ctx, api) => {
        const [user] = await api.users.find('employee_id', ctx.value);
        return user ? { sub: user.sub } : { error: 'unknown_user_id' };
      };`)).status).toBe(201);
    expect((await push('stuck', 'validateBindingMessage', `
      import type { ValidateBindingMessage } from 'ciba-op/script';
      export const validateBindingMessage: ValidateBindingMessage = () => new Promise(() => {});`)).status).toBe(201);
    await authorize(t.url, auth, { login_hint: 'E-7' });
    expect((await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'E-7', binding_message: 'HANG' }, auth)).status).toBe(500);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);

    expect(moved('ciba_op_http_requests_total', { method: 'POST', route: '/bc-authorize', status: '200' })).toBe(3);
    expect(moved('ciba_op_http_requests_total', { method: 'POST', route: '/token', status: '400' })).toBe(1);
    expect(moved('ciba_op_http_request_duration_seconds_count', { method: 'POST', route: '/token', status: '200' })).toBe(1);
    expect(sample(after, 'ciba_op_http_request_duration_seconds_bucket', { method: 'POST', route: '/token', status: '200', le: '+Inf' })).toBe(1);
    expect(moved('ciba_op_oauth_errors_total', { route: '/token', error: 'authorization_pending' })).toBe(1);
    expect(moved('ciba_op_oauth_errors_total', { route: '/bc-authorize', error: 'server_error' })).toBe(1);

    expect(moved('ciba_op_auth_requests_total', { outcome: 'accepted' })).toBe(3);
    expect(moved('ciba_op_auth_requests_total', { outcome: 'approved' })).toBe(1);
    expect(moved('ciba_op_auth_requests_total', { outcome: 'issued' })).toBe(1);
    expect(moved('ciba_op_auth_requests_total', { outcome: 'failed' })).toBe(1);
    expect(moved('ciba_op_tokens_issued_total', { grant_type: CIBA })).toBe(1);

    expect(moved('ciba_op_script_calls_total', { hook: 'resolveLoginHint', script: 'by-employee', version: '1', result: 'ok' })).toBe(2);
    expect(moved('ciba_op_script_calls_total', { hook: 'validateBindingMessage', script: 'stuck', version: '1', result: 'timeout' })).toBe(1);
    expect(moved('ciba_op_script_errors_total', { script: 'stuck', version: '1', kind: 'timeout' })).toBe(1);
    expect(moved('ciba_op_script_timeouts_total', { script: 'stuck', version: '1' })).toBe(1);
    expect(moved('ciba_op_script_call_duration_seconds_count', { script: 'by-employee', version: '1' })).toBe(2);
    expect(sample(after, 'ciba_op_script_call_duration_seconds_sum', { script: 'stuck', version: '1' })).toBeGreaterThan(0.25);

    expect(moved('ciba_op_notifier_attempts_total', { channel: 'webhook', result: 'delivered' })).toBe(2);
    expect(moved('ciba_op_notifier_attempts_total', { channel: 'webhook', result: 'provider_error' })).toBe(1);

    expect(moved('ciba_op_store_operation_duration_seconds_count', { repo: 'authRequests', operation: 'create' })).toBe(3);
    expect(moved('ciba_op_store_operation_duration_seconds_count', { repo: 'tokens', operation: 'createMany' })).toBe(1);
    expect(sample(after, 'ciba_op_sandbox_workers', { state: 'ready' })).toBe(1);
    expect(after).toContain('# TYPE ciba_op_sandbox_worker_restarts gauge');
    expect(after).toContain('# TYPE process_cpu_user_seconds_total counter');
  });

  it('answers /healthz always and /readyz while the store, keys and scripts are there', async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', keys: 'ok', scripts: 'ok' } });

    const ping = vi.spyOn(t.op.context.store, 'ping').mockRejectedValue(new Error('connection refused by db-1.internal'));
    try {
      const down = await fetch(`${t.url}/readyz`);
      expect(down.status).toBe(503);
      const body = await down.json();
      expect(body).toEqual({ status: 'not_ready', checks: { store: 'failing', keys: 'ok', scripts: 'ok' } });
      expect(JSON.stringify(body)).not.toContain('db-1.internal');
      expect(t.logs.lines).toContainEqual(
        expect.objectContaining({ msg: 'not ready', requestId: expect.any(String), failing: { store: 'connection refused by db-1.internal' } }),
      );
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    } finally {
      ping.mockRestore();
    }
  });
});
