/**
 * Device registration (backchannelDeviceRegistrationEndpoint) and what it is for: the next
 * notification goes to the registered device, through the FCM notifier, before any channel —
 * from the built-in notifyEndUser and from the bundled script alike. Google (OAuth token
 * endpoint and FCM HTTP v1) is played by an HTTPS server on 127.0.0.1.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../core/paths.js';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { RP, RP_AUTH, startRequest } from '../support/enduser.js';
import { json, startHttpsPeer, type HttpsPeer } from '../plugins/support/https-peer.js';
import { testTls } from '../plugins/support/tls.js';

const ADMIN = { authorization: `Bearer ${'a'.repeat(40)}` };
const PATH = '/bc-device-registration';

interface FcmMessage {
  token: string;
  data: Record<string, string>;
}

describe('device registration', () => {
  let t: TestOp;
  let google: HttpsPeer;
  let clock = Date.now();
  /** Device tokens FCM no longer knows. */
  const unregistered = new Set<string>();
  const pushed = (): FcmMessage[] =>
    google.requests.filter((r) => r.path.endsWith('/messages:send')).map((r) => (JSON.parse(r.body) as { message: FcmMessage }).message);

  beforeAll(async () => {
    google = await startHttpsPeer((request, response) => {
      if (request.path === '/token') return json(response, 200, { access_token: 'ya29.test-token', expires_in: 3599, token_type: 'Bearer' });
      const { message } = JSON.parse(request.body) as { message: FcmMessage };
      if (unregistered.has(message.token)) return json(response, 404, { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } });
      json(response, 200, { name: `projects/acme-auth/messages/${pushed().length}` });
    });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    t = await startOp({
      now: () => clock,
      config: {
        clients: [RP],
        adminToken: 'a'.repeat(40),
        scripts: { workers: 1 },
        enduser: { devices: { maxPerUser: 3, enrollmentCodeLifetimeSec: 600 } },
        cibaEndUserNotificationConfig: {
          channels: ['log'],
          push: {
            serviceAccount: { type: 'service_account', project_id: 'acme-auth', private_key: privateKey, client_email: 'op@acme-auth.iam.gserviceaccount.com', token_uri: `${google.url}/token` },
            apiBaseUrl: google.url,
            ca: testTls().ca,
            timeoutMs: 3000,
          },
        },
      },
    });
    await t.createUser({ sub: 'nia', password: 'nia-password-1' });
    await t.createUser({ sub: 'ole', password: 'ole-password-1' });
  });
  afterAll(async () => {
    await t.close();
    await google.close();
  });

  async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  }
  const nia = basic('nia', 'nia-password-1');
  async function bcAuthorize(params: Record<string, string>): Promise<string> {
    return (await postForm(`${t.url}/bc-authorize`, { scope: 'openid', ...params }, RP_AUTH)).body.auth_req_id as string;
  }
  /** The `count` FCM messages sent after the first `before`, once they arrived (notification runs after the response). */
  async function pushesAfter(before: number, count: number): Promise<FcmMessage[]> {
    for (let i = 0; i < 300 && pushed().length < before + count; i += 1) await new Promise((r) => setTimeout(r, 10));
    return pushed().slice(before);
  }
  const enrollmentCode = async (sub: string) => (await call('POST', `/admin/users/${sub}/enrollment-codes`, ADMIN)).body.enrollment_code as string;

  it('registers a device with the user’s credentials; the same token again finds it', async () => {
    const first = await call('POST', PATH, nia, { name: 'Nia’s phone', push_token: 'fcm-nia-phone-0001' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ device_id: expect.any(String), name: 'Nia’s phone', channel: 'push', address_hint: '…e-0001', created_at: expect.any(Number) });
    const again = await call('POST', PATH, nia, { name: 'Nia’s phone', push_token: 'fcm-nia-phone-0001' });
    expect(again).toMatchObject({ status: 200, body: { device_id: first.body.device_id } });
  });

  it('refuses wrong or missing credentials and malformed registrations', async () => {
    const device = { name: 'Phone', push_token: 'fcm-x' };
    expect(await call('POST', PATH, basic('nia', 'wrong'), device)).toMatchObject({ status: 403, body: { error: 'access_denied' } });
    expect(await call('POST', PATH, basic('nobody', 'x'), device)).toMatchObject({ status: 403, body: { error: 'access_denied' } });
    expect((await call('POST', PATH, {}, device)).status).toBe(400);
    expect((await call('POST', PATH, nia, { name: 'Both', push_token: 'a', webhook_url: 'https://app.example.com/h' })).status).toBe(400);
    expect((await call('POST', PATH, nia, { name: 'Plain', webhook_url: 'http://app.example.com/h' })).body.error_description).toBe('webhook_url must be an https URL');
  });

  it('registers with a one-time enrollment code, which works once and only in time', async () => {
    const code = await enrollmentCode('ole');
    const device = { name: 'Ole’s tablet', push_token: 'fcm-ole-tablet' };
    expect((await call('POST', PATH, basic('ole', 'ole-password-1'), { ...device, enrollment_code: code })).status).toBe(400);
    expect((await call('POST', PATH, {}, { ...device, enrollment_code: code })).status).toBe(201);
    expect((await call('POST', PATH, {}, { ...device, enrollment_code: code })).body.error).toBe('access_denied');
    const late = await enrollmentCode('ole');
    clock += 601_000;
    expect((await call('POST', PATH, {}, { ...device, enrollment_code: late })).body.error).toBe('access_denied');
    expect((await call('POST', PATH, {}, { ...device, enrollment_code: 'made-up-code' })).body.error).toBe('access_denied');
    expect((await call('POST', '/admin/users/nobody/enrollment-codes', ADMIN)).status).toBe(404);
    expect((await call('POST', '/admin/users/ole/enrollment-codes', {})).status).toBe(401);
  });

  it('lists and removes only the user’s own devices, and caps how many there are', async () => {
    const ole = basic('ole', 'ole-password-1');
    const [tablet] = (await call('GET', PATH, ole)).body.devices;
    expect(tablet).toMatchObject({ name: 'Ole’s tablet', channel: 'push' });
    expect((await call('DELETE', `${PATH}/${tablet.device_id}`, nia)).status).toBe(404);
    expect((await call('DELETE', `${PATH}/${tablet.device_id}`, ole)).status).toBe(204);
    expect((await call('GET', PATH, ole)).body.devices).toEqual([]);
    for (const n of [1, 2, 3]) expect((await call('POST', PATH, ole, { name: `Phone ${n}`, push_token: `fcm-ole-${n}` })).status).toBe(201);
    expect((await call('POST', PATH, ole, { name: 'One more', push_token: 'fcm-ole-4' })).body.error_description).toMatch(/already has 3 devices/);
  });

  it('sends the next notification to the registered device first, with what the app needs', async () => {
    const before = pushed().length;
    const id = await bcAuthorize({ login_hint: 'nia', binding_message: 'W4SCT' });
    const [message] = await pushesAfter(before, 1);
    expect(message?.token).toBe('fcm-nia-phone-0001');
    expect(message?.data).toMatchObject({ type: 'ciba.authentication_requested', auth_req_id: id, binding_message: 'W4SCT', client_name: 'Acme Bank' });
    // The app can act on the link it was sent; the dev log channel was not needed.
    const token = new URL(message?.data.link as string).searchParams.get('token') as string;
    expect((await call('GET', '/enduser/api/request', { authorization: `Bearer ${token}` })).body.binding_message).toBe('W4SCT');
    expect(t.logs.lines.some((l) => l.authReqId === id && l.msg === 'dev notifier: open this link to decide')).toBe(false);
  });

  it('falls back to the configured channels when no device takes the message', async () => {
    unregistered.add('fcm-nia-phone-0001');
    try {
      const before = pushed().length;
      const { id } = await startRequest(t, { login_hint: 'nia' }); // startRequest waits for the dev notifier's line
      expect(pushed().slice(before).map((m) => m.token)).toEqual(['fcm-nia-phone-0001']);
      expect(t.logs.lines.some((l) => l.authReqId === id && l.msg === 'dev notifier: open this link to decide')).toBe(true);
    } finally {
      unregistered.delete('fcm-nia-phone-0001');
    }
  });

  it('the bundled notifyEndUser script also notifies registered devices first', async () => {
    const source = readFileSync(fromRoot('scripts', 'notifyEndUser.ts'), 'utf8');
    const pushedScript = await call('POST', '/admin/scripts/default-notify/versions', ADMIN, { hook: 'notifyEndUser', source, activate: true, author: 'test' });
    expect(pushedScript.status).toBe(201);
    try {
      const before = pushed().length;
      const id = await bcAuthorize({ login_hint: 'ole' });
      const sent = await pushesAfter(before, 3);
      expect(sent.map((m) => m.token).sort()).toEqual(['fcm-ole-1', 'fcm-ole-2', 'fcm-ole-3']);
      expect(sent.every((m) => m.data.auth_req_id === id)).toBe(true);
    } finally {
      await call('POST', '/admin/scripts/default-notify/activate', ADMIN, { version: null });
    }
  });
});
