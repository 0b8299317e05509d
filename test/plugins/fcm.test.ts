/**
 * The FCM notifier against an HTTPS server on 127.0.0.1 playing both Google peers: the OAuth
 * token endpoint (which verifies the service-account JWT with the account's public key, as
 * Google does) and FCM HTTP v1 `messages:send` (which checks the bearer token).
 */
import { generateKeyPairSync } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createFcmNotifier, type FcmNotifierConfig, type ServiceAccount } from '../../plugins/fcm/index.js';
import type { Notifier, NotifierLogger } from '../../plugins/notifier.js';
import { captureOutput, expectNoSecrets } from './support/capture.js';
import { json, startHttpsPeer, type HttpsPeer, type RecordedRequest } from './support/https-peer.js';
import { testMessage } from './support/message.js';
import { testTls } from './support/tls.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const verificationKey = await importSPKI(publicKey, 'RS256');
const DEVICE = 'fcm-device-token-0123456789:APA91bExample';
const SEND_PATH = '/v1/projects/acme-auth/messages:send';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Google {
  peer: HttpsPeer;
  tokenUri: string;
  issued: string[];
  /** What FCM answers for a device token; default success. */
  fcmAnswers: Map<string, (response: ServerResponse) => void>;
  tokenRequests(): RecordedRequest[];
  sendRequests(): RecordedRequest[];
}

/** The token endpoint and FCM, with `clock` as the verifier's notion of now. */
async function startGoogle(clock: () => number, tokenLifetimeSec = 3599): Promise<Google> {
  const issued: string[] = [];
  const fcmAnswers = new Map<string, (response: ServerResponse) => void>();
  let tokenUri = '';
  const peer = await startHttpsPeer(async (request, response) => {
    if (request.path === '/token') {
      const form = new URLSearchParams(request.body);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return json(response, 400, { error: 'unsupported_grant_type' });
      const assertion = form.get('assertion') ?? '';
      try {
        const { payload } = await jwtVerify(assertion, verificationKey, {
          algorithms: ['RS256'],
          issuer: 'notifier@acme-auth.iam.gserviceaccount.com',
          audience: tokenUri,
          currentDate: new Date(clock()),
        });
        if (payload.scope !== 'https://www.googleapis.com/auth/firebase.messaging') throw new Error('scope');
        if (payload.exp! - payload.iat! !== 3600) throw new Error('lifetime');
        if (decodeProtectedHeader(assertion).kid !== 'key-1') throw new Error('kid');
      } catch (err) {
        return json(response, 400, { error: 'invalid_grant', error_description: `Invalid JWT: ${(err as Error).message}` });
      }
      const token = `ya29.test-access-token-${issued.length + 1}-${'x'.repeat(40)}`;
      issued.push(token);
      return json(response, 200, { access_token: token, expires_in: tokenLifetimeSec, token_type: 'Bearer' });
    }
    if (request.path === SEND_PATH) {
      if (request.headers.authorization !== `Bearer ${issued.at(-1)}`) {
        return json(response, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
      }
      const { message } = JSON.parse(request.body) as { message: { token: string } };
      const answer = fcmAnswers.get(message.token);
      if (answer) return answer(response);
      return json(response, 200, { name: `projects/acme-auth/messages/0:${issued.length}%31bd1c96` });
    }
    json(response, 404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } });
  });
  tokenUri = `${peer.url}/token`;
  cleanups.push(() => peer.close());
  return {
    peer,
    tokenUri,
    issued,
    fcmAnswers,
    tokenRequests: () => peer.requests.filter((r) => r.path === '/token'),
    sendRequests: () => peer.requests.filter((r) => r.path === SEND_PATH),
  };
}

function serviceAccount(tokenUri: string): ServiceAccount {
  return {
    type: 'service_account',
    project_id: 'acme-auth',
    private_key_id: 'key-1',
    private_key: privateKey,
    client_email: 'notifier@acme-auth.iam.gserviceaccount.com',
    token_uri: tokenUri,
  };
}

function notifier(google: Google, clock: () => number, overrides: Partial<FcmNotifierConfig> = {}, logger?: NotifierLogger): Notifier {
  const n = createFcmNotifier(
    {
      serviceAccount: serviceAccount(google.tokenUri),
      apiBaseUrl: google.peer.url,
      ca: testTls().ca,
      timeoutMs: 3000,
      branding: { productName: 'Acme ID' },
      ...overrides,
    },
    { logger, now: clock },
  );
  cleanups.push(() => n.close());
  return n;
}

function manualClock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('fcm notifier', () => {
  it('signs a JWT for an access token and sends an FCM v1 message with it', async () => {
    const clock = manualClock();
    const google = await startGoogle(clock.now);
    const output = captureOutput();
    cleanups.push(async () => output.restore());
    const message = testMessage({ to: DEVICE, expiresAt: clock.now() + 300_000 });

    const result = await notifier(google, clock.now, {}, output.logger).send(message);

    expect(result).toEqual({ delivered: true, channel: 'push', providerMessageId: 'projects/acme-auth/messages/0:1%31bd1c96' });
    expect(google.tokenRequests()).toHaveLength(1);
    const send = google.sendRequests()[0]!;
    expect(send.headers.authorization).toBe(`Bearer ${google.issued[0]}`);
    expect(JSON.parse(send.body)).toEqual({
      message: {
        token: DEVICE,
        notification: { title: 'Acme ID: approve sign-in to Acme Bank?', body: 'Code W4-PLX. Tap to review. Expires in 5 min.' },
        data: {
          type: 'ciba.authentication_requested',
          auth_req_id: 'ar_1f0c9b7e',
          link: message.link,
          client_id: 'client-abc',
          client_name: 'Acme Bank',
          scopes: 'openid payments',
          expires_at: String(Math.floor(message.expiresAt / 1000)),
          binding_message: 'W4-PLX',
        },
        android: { priority: 'HIGH', ttl: '300s' },
        apns: { headers: { 'apns-priority': '10', 'apns-expiration': String(Math.floor(message.expiresAt / 1000)) } },
      },
    });
    const secrets = [privateKey, google.issued[0]!, message.link];
    expectNoSecrets(result, secrets);
    expectNoSecrets(output.text(), secrets);
  });

  it('reuses the access token across sends, with one token request for concurrent first sends', async () => {
    const clock = manualClock();
    const google = await startGoogle(clock.now);
    const n = notifier(google, clock.now);
    const results = await Promise.all([n.send(testMessage({ to: DEVICE })), n.send(testMessage({ to: DEVICE }))]);
    clock.advance(3599_000 - 61_000); // still more than the refresh margin before expiry
    results.push(await n.send(testMessage({ to: DEVICE })));

    expect(results.every((r) => r.delivered)).toBe(true);
    expect(google.tokenRequests()).toHaveLength(1);
    expect(google.sendRequests()).toHaveLength(3);
  });

  it('refreshes the token once it is about to expire', async () => {
    const clock = manualClock();
    const google = await startGoogle(clock.now);
    const n = notifier(google, clock.now);
    await n.send(testMessage({ to: DEVICE }));
    clock.advance(3599_000 - 59_000); // inside the refresh margin
    const result = await n.send(testMessage({ to: DEVICE }));

    expect(result.delivered).toBe(true);
    expect(google.tokenRequests()).toHaveLength(2);
    expect(google.sendRequests()[1]!.headers.authorization).toBe(`Bearer ${google.issued[1]}`);
  });

  it('maps UNREGISTERED, INVALID_ARGUMENT, quota and outages to clear results', async () => {
    const clock = manualClock();
    const google = await startGoogle(clock.now);
    const fcmError = (status: number, statusText: string, errorCode?: string) => (response: ServerResponse) =>
      json(response, status, {
        error: {
          code: status,
          message: 'Requested entity was not found.',
          status: statusText,
          ...(errorCode ? { details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] } : {}),
        },
      });
    google.fcmAnswers.set('gone', fcmError(404, 'NOT_FOUND', 'UNREGISTERED'));
    google.fcmAnswers.set('bad', fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'));
    google.fcmAnswers.set('busy', fcmError(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED'));
    google.fcmAnswers.set('down', fcmError(503, 'UNAVAILABLE'));
    const n = notifier(google, clock.now);

    const gone = await n.send(testMessage({ to: 'gone' }));
    expect(gone).toMatchObject({ delivered: false, channel: 'push', error: { code: 'device_unregistered', retryable: false } });
    expect(!gone.delivered && gone.error.message).toBe(
      'the device token is no longer registered (HTTP 404, UNREGISTERED: Requested entity was not found.)',
    );
    expect(await n.send(testMessage({ to: 'bad' }))).toMatchObject({ error: { code: 'invalid', retryable: false } });
    expect(await n.send(testMessage({ to: 'busy' }))).toMatchObject({ error: { code: 'rate_limited', retryable: true } });
    expect(await n.send(testMessage({ to: 'down' }))).toMatchObject({ error: { code: 'provider_error', retryable: true } });
  });

  it('drops an access token FCM refuses and fetches a new one for the next send', async () => {
    const clock = manualClock();
    const google = await startGoogle(clock.now);
    const n = notifier(google, clock.now);
    await n.send(testMessage({ to: DEVICE }));
    google.issued.push('revoked-elsewhere'); // FCM now only accepts a token we do not have

    const refused = await n.send(testMessage({ to: DEVICE }));
    expect(refused).toMatchObject({ delivered: false, error: { code: 'auth_failed', retryable: true } });
    const again = await n.send(testMessage({ to: DEVICE }));
    expect(again.delivered).toBe(true);
    expect(google.tokenRequests()).toHaveLength(2);
  });

  it("reports the token endpoint's invalid_grant as a non-retryable auth_failed, without the key", async () => {
    const clock = manualClock();
    const google = await startGoogle(() => clock.now() + 2 * 3600_000); // the verifier's clock is hours ahead
    const output = captureOutput();
    cleanups.push(async () => output.restore());

    const result = await notifier(google, clock.now, {}, output.logger).send(testMessage({ to: DEVICE }));

    expect(result).toMatchObject({ delivered: false, error: { code: 'auth_failed', retryable: false } });
    expect(!result.delivered && result.error.message).toMatch(/HTTP 400, invalid_grant: Invalid JWT: "exp" claim timestamp check failed/);
    expect(google.sendRequests()).toHaveLength(0);
    expectNoSecrets(result, [privateKey]);
    expectNoSecrets(output.text(), [privateKey]);
  });

  it('reads the service account JSON from the env var the config names', async () => {
    const clock = manualClock();
    const google = await startGoogle(clock.now);
    process.env.TEST_FCM_ACCOUNT = JSON.stringify({ ...serviceAccount(google.tokenUri), client_id: '1234', auth_uri: 'https://accounts.google.com/o/oauth2/auth' });
    cleanups.push(async () => void delete process.env.TEST_FCM_ACCOUNT);
    const n = notifier(google, clock.now, { serviceAccount: undefined, serviceAccountEnv: 'TEST_FCM_ACCOUNT' });
    expect((await n.send(testMessage({ to: DEVICE }))).delivered).toBe(true);
  });

  it('rejects bad configuration at construction, naming the property and never echoing the key', () => {
    const account = serviceAccount('https://oauth2.googleapis.com/token');
    const attempt = (config: object) => () => createFcmNotifier(config as FcmNotifierConfig);
    expect(attempt({})).toThrow(/fcm notifier config: set exactly one of serviceAccount, serviceAccountEnv/);
    const { client_email: _, ...noEmail } = account;
    expect(attempt({ serviceAccount: noEmail })).toThrow(/serviceAccount\.client_email is required/);
    const broken = 'not-a-key-but-secret-material';
    expect(attempt({ serviceAccount: { ...account, private_key: broken } })).toThrow(/serviceAccount\.private_key is not a PEM private key/);
    try {
      attempt({ serviceAccount: { ...account, private_key: broken } })();
    } catch (err) {
      expect((err as Error).message).not.toContain(broken);
    }
    process.env.TEST_FCM_BROKEN = '{"project_id": 1';
    cleanups.push(async () => void delete process.env.TEST_FCM_BROKEN);
    expect(attempt({ serviceAccountEnv: 'TEST_FCM_BROKEN' })).toThrow(/TEST_FCM_BROKEN does not hold JSON/);
    expect(attempt({ serviceAccount: account, apiBaseUrl: 'http://127.0.0.1:1' })).toThrow(/apiBaseUrl must be an https URL/);
  });
});
