/**
 * The SMS notifier, with the real twilio client, against an HTTPS server on 127.0.0.1 that
 * speaks Twilio's Messages API: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, Basic
 * auth, a form body, `201` with the message resource or Twilio's error JSON.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Notifier, NotifierLogger } from '../../plugins/notifier.js';
import { createSmsNotifier, type SmsNotifierConfig } from '../../plugins/sms/index.js';
import { captureOutput, expectNoSecrets } from './support/capture.js';
import { basicAuth, json, startHttpsPeer, type Handler, type HttpsPeer } from './support/https-peer.js';
import { testMessage } from './support/message.js';
import { testTls } from './support/tls.js';

const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
const AUTH_TOKEN = 'twilio-auth-token-0f9e8d7c6b5a';
const API_KEY_SID = `SK${'b2'.repeat(16)}`;
const API_KEY_SECRET = 'twilio-api-secret-5a4b3c2d1e';
const SERVICE_SID = `MG${'c3'.repeat(16)}`;
const MESSAGE_SID = `SM${'d4'.repeat(16)}`;
const SECRETS = [AUTH_TOKEN, API_KEY_SECRET];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Twilio's Messages API, accepting `credentials` and answering the message resource. */
function twilioApi(credentials: [string, string]): Handler {
  return (request, response) => {
    const expectedPath = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
    if (request.method !== 'POST' || request.path !== expectedPath) return json(response, 404, { code: 20404, message: 'Not found', status: 404 });
    const auth = basicAuth(request.headers);
    if (auth?.[0] !== credentials[0] || auth?.[1] !== credentials[1]) {
      return json(response, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    }
    const form = new URLSearchParams(request.body);
    json(response, 201, {
      sid: MESSAGE_SID,
      account_sid: ACCOUNT_SID,
      to: form.get('To'),
      from: form.get('From'),
      messaging_service_sid: form.get('MessagingServiceSid'),
      body: form.get('Body'),
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: new Date().toUTCString(),
      uri: `${expectedPath.replace('.json', '')}/${MESSAGE_SID}.json`,
    });
  };
}

async function peer(handler: Handler): Promise<HttpsPeer> {
  const p = await startHttpsPeer(handler);
  cleanups.push(() => p.close());
  return p;
}

function notifier(apiBaseUrl: string, overrides: Partial<SmsNotifierConfig> = {}, logger?: NotifierLogger): Notifier {
  const n = createSmsNotifier(
    {
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: '+15005550006',
      apiBaseUrl,
      ca: testTls().ca,
      timeoutMs: 3000,
      branding: { productName: 'Acme ID' },
      ...overrides,
    },
    { logger },
  );
  cleanups.push(() => n.close());
  return n;
}

const phone = { to: '+41791234567' };

describe('sms notifier (twilio client)', () => {
  it('posts To, From and a Body with the binding message and link, with Basic auth, and returns the SID', async () => {
    const api = await peer(twilioApi([ACCOUNT_SID, AUTH_TOKEN]));
    const output = captureOutput();
    cleanups.push(async () => output.restore());
    const message = testMessage(phone);

    const result = await notifier(api.url, {}, output.logger).send(message);

    expect(result).toEqual({ delivered: true, channel: 'sms', providerMessageId: MESSAGE_SID });
    expect(api.requests).toHaveLength(1);
    const request = api.requests[0]!;
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers['user-agent']).toMatch(/^twilio-node\//);
    const form = new URLSearchParams(request.body);
    expect(form.get('To')).toBe('+41791234567');
    expect(form.get('From')).toBe('+15005550006');
    expect(form.get('Body')).toBe(`Acme ID: Acme Bank asks you to approve a sign-in. Code: W4-PLX. ${message.link} (expires in 5 min)`);
    expectNoSecrets(result, [...SECRETS, message.link]);
    expectNoSecrets(output.text(), [...SECRETS, message.link]);
  });

  it('authenticates with an API key and sends through a Messaging Service', async () => {
    const api = await peer(twilioApi([API_KEY_SID, API_KEY_SECRET]));
    process.env.TEST_TWILIO_KEY_SECRET = API_KEY_SECRET;
    cleanups.push(async () => void delete process.env.TEST_TWILIO_KEY_SECRET);
    const n = notifier(api.url, {
      authToken: undefined,
      apiKeySid: API_KEY_SID,
      apiKeySecretEnv: 'TEST_TWILIO_KEY_SECRET',
      from: undefined,
      messagingServiceSid: SERVICE_SID,
    });

    const result = await n.send(testMessage({ ...phone, bindingMessage: null }));

    expect(result).toEqual({ delivered: true, channel: 'sms', providerMessageId: MESSAGE_SID });
    const form = new URLSearchParams(api.requests[0]!.body);
    expect(form.get('MessagingServiceSid')).toBe(SERVICE_SID);
    expect(form.has('From')).toBe(false);
    expect(form.get('Body')).not.toContain('Code:');
  });

  it("maps Twilio's 400 for an invalid number to a non-retryable invalid_recipient", async () => {
    const api = await peer((_request, response) =>
      json(response, 400, {
        code: 21211,
        message: "The 'To' number +41791234567 is not a valid phone number.",
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      }),
    );
    const result = await notifier(api.url).send(testMessage(phone));
    expect(result).toMatchObject({ delivered: false, channel: 'sms', error: { code: 'invalid_recipient', retryable: false } });
    expect(!result.delivered && result.error.message).toBe(
      "invalid To number (HTTP 400, Twilio error 21211: The 'To' number +41791234567 is not a valid phone number.)",
    );
  });

  it('maps refused credentials (401) to auth_failed without the token', async () => {
    const api = await peer(twilioApi([ACCOUNT_SID, 'another-token']));
    const output = captureOutput();
    cleanups.push(async () => output.restore());
    const result = await notifier(api.url, {}, output.logger).send(testMessage(phone));
    expect(result).toMatchObject({ delivered: false, error: { code: 'auth_failed', retryable: false } });
    expect(!result.delivered && result.error.message).toContain('20003');
    expectNoSecrets(result, SECRETS);
    expectNoSecrets(output.text(), SECRETS);
  });

  it('maps a Twilio 500 to a retryable provider_error and another 400 to a non-retryable invalid', async () => {
    const api = await peer((request, response) =>
      new URLSearchParams(request.body).get('To') === '+41791234567'
        ? json(response, 500, { code: 20500, message: 'An internal server error has occurred', status: 500 })
        : json(response, 400, { code: 21606, message: "The 'From' phone number provided is not a valid message-capable Twilio phone number.", status: 400 }),
    );
    const n = notifier(api.url);
    expect(await n.send(testMessage(phone))).toMatchObject({ delivered: false, error: { code: 'provider_error', retryable: true } });
    expect(await n.send(testMessage({ to: '+41790000000' }))).toMatchObject({ delivered: false, error: { code: 'invalid', retryable: false } });
  });

  it('gives up at the message timeout when Twilio does not answer', async () => {
    const api = await peer(() => new Promise(() => {}));
    const started = performance.now();
    const result = await notifier(api.url, { timeoutMs: 400 }).send(testMessage(phone));
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ delivered: false, error: { code: 'timeout', retryable: true } });
    expect(elapsed).toBeLessThan(1500);
  });

  it('refuses a `to` that is not E.164 without calling Twilio', async () => {
    const api = await peer(twilioApi([ACCOUNT_SID, AUTH_TOKEN]));
    const result = await notifier(api.url).send(testMessage({ to: '079 123 45 67' }));
    expect(result).toMatchObject({ delivered: false, error: { code: 'invalid_recipient', retryable: false } });
    expect(api.requests).toHaveLength(0);
  });

  it('rejects bad configuration at construction, naming the property', () => {
    const base = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: '+15005550006' };
    const attempt = (config: object) => () => createSmsNotifier(config as SmsNotifierConfig);
    expect(attempt({ ...base, accountSid: 'SK123' })).toThrow(/sms notifier config: accountSid must match pattern/);
    expect(attempt({ ...base, messagingServiceSid: SERVICE_SID })).toThrow(/exactly one of from, messagingServiceSid/);
    expect(attempt({ accountSid: ACCOUNT_SID, from: '+15005550006' })).toThrow(/authToken or authTokenEnv is required/);
    expect(attempt({ ...base, apiKeySid: API_KEY_SID, apiKeySecret: 'x' })).toThrow(/not both/);
    expect(attempt({ ...base, apiBaseUrl: 'http://127.0.0.1:1' })).toThrow(/apiBaseUrl must be an https URL/);
    expect(attempt({ ...base, bodyTemplate: '{{code}}' })).toThrow(/unknown variable \{\{code\}\}/);
  });
});
