/**
 * Reaching the end-user with the bundled notifiers through the whole flow: the built-in
 * notifyEndUser tries SMS (a local HTTPS server speaking Twilio's Messages API) and falls
 * through to email (a real SMTP server); the emailed link is opened and approved, and the RP's
 * poll gets its tokens. When no channel delivers, the request fails and the client hears why.
 * The bundled default script does the same inside the sandbox.
 */
import { readFileSync } from 'node:fs';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fromRoot } from '../../core/paths.js';
import { json, startHttpsPeer, type HttpsPeer } from '../plugins/support/https-peer.js';
import { testTls } from '../plugins/support/tls.js';
import { basic, decideViaLink, postForm, startOp, type TestOp } from '../support/op.js';
import { startSmtp, type Smtp } from '../support/smtp.js';
import { CIBA, TEST_CLIENTS } from './clients.js';

const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
const ADMIN = 'n'.repeat(40);

/** Twilio's Messages API: refuses numbers starting +1555000 (error 21211), accepts others. */
async function startTwilio(): Promise<HttpsPeer> {
  return startHttpsPeer((request, response) => {
    const to = new URLSearchParams(request.body).get('To') ?? '';
    if (to.startsWith('+1555000')) {
      return json(response, 400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    }
    return json(response, 201, { sid: `SM${'2'.repeat(32)}`, account_sid: ACCOUNT_SID, to, status: 'queued' });
  });
}

function notificationConfig(smtpPort: number, twilioUrl: string) {
  const ca = testTls().ca;
  return {
    channels: ['sms', 'email'],
    sms: { accountSid: ACCOUNT_SID, authToken: 'twilio-token-never-logged', from: '+15005550006', apiBaseUrl: twilioUrl, ca, timeoutMs: 3000 },
    email: { host: '127.0.0.1', port: smtpPort, from: 'Sign-in <no-reply@op.example>', ca, timeoutMs: 3000 },
  };
}

async function pollUntilDecided(t: TestOp, id: string, auth: Record<string, string>): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  await vi.waitFor(
    async () => {
      body = (await postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: id }, auth)).body;
      expect(['authorization_pending', 'slow_down']).not.toContain(body.error);
    },
    { timeout: 10_000, interval: 1100 },
  );
  return body;
}

describe('reaching the end-user with the bundled notifiers', () => {
  let t: TestOp;
  let smtp: Smtp;
  let twilio: HttpsPeer;
  const auth = basic('poll', 'poll-secret');

  beforeAll(async () => {
    smtp = await startSmtp();
    twilio = await startTwilio();
    t = await startOp({
      config: { clients: TEST_CLIENTS, adminToken: ADMIN, scripts: { workers: 1 }, cibaEndUserNotificationConfig: notificationConfig(smtp.port, twilio.url) },
    });
    await t.createUser({ sub: 'jo', email: 'jo@example.com', phone_number: '+15550001111' });
    await t.createUser({ sub: 'kim', email: 'kim@example.com', phone_number: '+15551234567' });
    await t.createUser({ sub: 'lee', phone_number: '+15550002222' });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await twilio.close();
  });

  it('falls through from a refused SMS to email; the emailed link approves and the RP gets tokens', async () => {
    const ack = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'jo', binding_message: 'PAY-7' }, auth);
    const id = ack.body.auth_req_id as string;
    await vi.waitFor(() => expect(smtp.mails).toHaveLength(1), { timeout: 5000 });
    const mail = smtp.mails[0] as ParsedMail;
    expect((mail.to as { text: string }).text).toBe('jo@example.com');
    expect(mail.text).toContain('PAY-7');
    expect(mail.html).toContain('PAY-7');
    const link = /https?:\/\/\S+\/verify\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')?.[0] as string;
    expect(link).toBeTruthy();
    expect(twilio.requests).toHaveLength(1);

    expect((await decideViaLink(link, 'approve')).status).toBe(200);
    const tokens = await pollUntilDecided(t, id, auth);
    expect(tokens.id_token).toBeTypeOf('string');

    const fell = t.logs.lines.find((l) => l.msg === 'notification channel failed, trying the next');
    expect(fell).toMatchObject({ authReqId: id, channel: 'sms', error: 'invalid_recipient' });
    expect(t.logs.raw.some((l) => l.includes('twilio-token-never-logged') || l.includes(link))).toBe(false);
  });

  it('fails the request when no channel delivers, and the polling client hears access_denied', async () => {
    const ack = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'lee' }, auth);
    const answer = await pollUntilDecided(t, ack.body.auth_req_id as string, auth);
    expect(answer).toMatchObject({ error: 'access_denied', error_description: 'the end-user could not be reached' });
  });

  it('the bundled default notifyEndUser script sends the SMS through the sandbox', async () => {
    const pushed = await fetch(`${t.url}/admin/scripts/notify/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hook: 'notifyEndUser', source: readFileSync(fromRoot('scripts', 'notifyEndUser.ts'), 'utf8'), activate: true }),
    });
    expect(pushed.status).toBe(201);
    const before = twilio.requests.length;
    const ack = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'kim', binding_message: 'SMS-1' }, auth);
    await vi.waitFor(() => expect(twilio.requests.length).toBe(before + 1), { timeout: 5000 });
    const body = new URLSearchParams(twilio.requests.at(-1)?.body);
    expect(body.get('To')).toBe('+15551234567');
    expect(body.get('Body')).toContain('SMS-1');
    expect(body.get('Body')).toMatch(/\/verify\?token=/);
    // Logged once Twilio's answer is back, which may be after the fake has recorded the request.
    await vi.waitFor(() => {
      const attempt = t.logs.lines.find((l) => l.msg === 'end-user notification attempt' && l.authReqId === ack.body.auth_req_id);
      expect(attempt).toMatchObject({ channel: 'sms', delivered: true, script: 'notify', version: 1 });
    });
  });
});
