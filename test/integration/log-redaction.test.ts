/**
 * What the log holds after a full flow at debug level, failures included: not one secret —
 * client secrets, the admin and metrics tokens, passwords, user codes, client_notification_token,
 * the verification link, access/refresh/ID tokens, registration access tokens, the webhook
 * signing key — and a request id on every line written while requests were being served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logging.js';
import { adminCall } from '../support/admin.js';
import { approve, authorize, poll } from '../support/ciba-steps.js';
import { LogCapture, basic, postForm, startOp, type TestOp } from '../support/op.js';
import { WEBHOOK_SECRET, startWebhookReceiver, webhookChannel, type WebhookReceiver } from '../support/webhook-receiver.js';
import { CIBA, TEST_CLIENTS } from './clients.js';

const ADMIN = 'admin-secret-token-'.padEnd(48, 'q');
const METRICS = 'metrics-secret-token-'.padEnd(48, 'r');
const PASSWORDS = ['First-pa55word-of-lena', 'Second-pa55word-of-lena'];
const USER_CODE = 'lena-user-code-8642';
const NOTIFICATION_TOKEN = 'client-notification-token-5b1f0e';

describe('log redaction across a full flow', () => {
  let t: TestOp;
  let receiver: WebhookReceiver;
  const logs = new LogCapture();
  const secrets: string[] = [ADMIN, METRICS, ...PASSWORDS, USER_CODE, NOTIFICATION_TOKEN, WEBHOOK_SECRET, ...TEST_CLIENTS.map((c) => c.client_secret)];
  let flowStarts = 0;
  let flowEnds = 0;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startOp({
      config: { clients: TEST_CLIENTS, adminToken: ADMIN, metrics: { token: METRICS }, cibaEndUserNotificationConfig: webhookChannel(receiver) },
      logger: createLogger('debug', logs),
    });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('runs the flow: operator calls, registration, bc-authorize, approval, tokens, userinfo, refresh, and failures', async () => {
    flowStarts = logs.lines.length;
    const admin = (method: string, path: string, body?: unknown) => adminCall(t.url, ADMIN, method, path, body);

    // The operator sets up a client and a user.
    const client = await admin('POST', '/admin/clients', { client_id: 'bank', grant_types: [CIBA, 'refresh_token'], backchannel_token_delivery_mode: 'poll', backchannel_user_code_parameter: true });
    const rotated = await admin('POST', '/admin/clients/bank/secret');
    secrets.push(client.body.client_secret, rotated.body.client_secret);
    const auth = basic('bank', rotated.body.client_secret);
    expect((await admin('POST', '/admin/users', { sub: 'lena', username: 'lena', password: PASSWORDS[0], user_code: USER_CODE })).status).toBe(201);
    expect((await admin('PUT', '/admin/users/lena/password', { password: PASSWORDS[1] })).status).toBe(200);
    const enrollment = await admin('POST', '/admin/users/lena/enrollment-codes');
    expect(enrollment.status).toBe(201);
    secrets.push(enrollment.body.enrollment_code);

    // A client registers itself and reads its registration back.
    const reg = await fetch(`${t.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' }),
    }).then((r) => r.json() as Promise<Record<string, string>>);
    secrets.push(reg.client_secret as string, reg.registration_access_token as string);
    expect((await fetch(reg.registration_client_uri as string, { headers: { authorization: `Bearer ${reg.registration_access_token}` } })).status).toBe(200);

    // The protocol flow, with every secret parameter there is.
    const id = await authorize(t.url, auth, { scope: 'openid email offline_access', login_hint: 'lena', user_code: USER_CODE, binding_message: 'LOG-TEST', client_notification_token: NOTIFICATION_TOKEN });
    const link = await receiver.linkFor(id);
    secrets.push(link, new URL(link).searchParams.get('token') ?? link);
    await approve(link);
    const tokens = (await poll(t.url, auth, id)).body as Record<string, string>;
    secrets.push(tokens.access_token as string, tokens.refresh_token as string, tokens.id_token as string);
    expect((await fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    const refreshed = await postForm(`${t.url}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string }, auth);
    expect(refreshed.status).toBe(200);
    secrets.push(refreshed.body.access_token as string, refreshed.body.refresh_token as string, refreshed.body.id_token as string);

    // Failures, each carrying a secret.
    expect((await postForm(`${t.url}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string }, auth)).body.error).toBe('invalid_grant');
    expect((await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'lena', client_notification_token: NOTIFICATION_TOKEN }, basic('bank', client.body.client_secret))).status).toBe(401);
    expect((await postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: id, client_id: 'posting', client_secret: PASSWORDS[0] as string })).status).toBe(401);
    expect((await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'lena', user_code: `${USER_CODE}-wrong` }, auth)).body.error).toBe('invalid_user_code');
    expect((await fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}x` } })).status).toBe(401);
    expect((await adminCall(t.url, `${ADMIN}x`, 'GET', '/admin/users')).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}x` } })).status).toBe(401);
    expect((await fetch(link)).status).not.toBe(500);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).status).toBe(200);
    flowEnds = logs.lines.length;
  });

  it('logged the flow at debug level without one secret in it', () => {
    const flow = logs.raw.slice(flowStarts, flowEnds);
    expect(flow.length).toBeGreaterThan(20);
    expect(logs.lines.some((l) => l.msg === 'request completed')).toBe(true);
    for (const secret of secrets) {
      const line = flow.find((l) => l.includes(secret));
      expect(line, `secret ${secret.slice(0, 8)}… leaked in: ${line?.slice(0, 300)}`).toBeUndefined();
    }
  });

  it('names the request on every line written while serving the flow', () => {
    const flow = logs.lines.slice(flowStarts, flowEnds);
    const anonymous = flow.filter((l) => typeof l.requestId !== 'string');
    expect(anonymous).toEqual([]);
    // One request, several lines (its own and those of code that knows nothing of requests).
    const webhookLine = flow.find((l) => l.channel === 'webhook' && l.authReqId !== undefined);
    expect(webhookLine?.requestId).toEqual(flow.find((l) => l.msg === 'request completed' && (l.req as { path: string }).path === '/bc-authorize')?.requestId);
  });
});
