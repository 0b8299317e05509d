/**
 * The webhook notifier against HTTPS receivers on 127.0.0.1 (test CA), which check every
 * request with the exported `verifyWebhookSignature`, as a deployer's receiver would.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notifier, NotifierLogger } from '../../plugins/notifier.js';
import {
  createWebhookNotifier,
  verifyWebhookSignature,
  type WebhookEvent,
  type WebhookNotifierConfig,
} from '../../plugins/webhook/index.js';
import { captureOutput, expectNoSecrets } from './support/capture.js';
import { json, startHttpsPeer, type Handler, type HttpsPeer, type RecordedRequest } from './support/https-peer.js';
import { testMessage } from './support/message.js';
import { testTls } from './support/tls.js';

const SECRET = 'whsec_8c1f2a9d7e6b5c4a3f2e1d0c9b8a7f6e';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function receiver(handler: Handler): Promise<HttpsPeer> {
  const peer = await startHttpsPeer(handler);
  cleanups.push(() => peer.close());
  return peer;
}

/** Answers 200 to correctly signed requests, 401 otherwise. */
const verifying: Handler = (request, response) => {
  const ok = verifyWebhookSignature(SECRET, request.headers['ciba-op-signature'] as string, request.body);
  json(response, ok ? 200 : 401, { ok });
};

function notifier(overrides: Partial<WebhookNotifierConfig> = {}, logger?: NotifierLogger): Notifier {
  const n = createWebhookNotifier(
    { secret: SECRET, ca: testTls().ca, timeoutMs: 5000, attemptTimeoutMs: 1000, retryBaseDelayMs: 20, ...overrides },
    { logger },
  );
  cleanups.push(() => n.close());
  return n;
}

const eventOf = (request: RecordedRequest) => JSON.parse(request.body) as WebhookEvent;

describe('webhook notifier', () => {
  it('posts a signed ciba.authentication_requested event that the receiver verifies', async () => {
    const peer = await receiver(verifying);
    const output = captureOutput();
    cleanups.push(async () => output.restore());
    const message = testMessage({ to: `${peer.url}/hooks/ciba` });

    const result = await notifier({}, output.logger).send(message);

    expect(peer.requests).toHaveLength(1);
    const request = peer.requests[0]!;
    const event = eventOf(request);
    expect(result).toEqual({ delivered: true, channel: 'webhook', providerMessageId: event.id });
    expect(request.path).toBe('/hooks/ciba');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['ciba-op-signature']).toMatch(/^t=\d{10},v1=[0-9a-f]{64}$/);
    expect(event).toEqual({
      type: 'ciba.authentication_requested',
      id: expect.stringMatching(/^evt_[0-9a-f-]{36}$/),
      created: expect.any(Number),
      data: {
        auth_req_id: 'ar_1f0c9b7e',
        sub: 'user-123',
        client_id: 'client-abc',
        client_name: 'Acme Bank',
        scopes: ['openid', 'payments'],
        binding_message: 'W4-PLX',
        link: message.link,
        expires_at: Math.floor(message.expiresAt / 1000),
      },
    });
    expect(Math.abs(event.created - Date.now() / 1000)).toBeLessThan(5);
    expectNoSecrets(result, [SECRET, message.link]);
    expectNoSecrets(output.text(), [SECRET, message.link]);
  });

  it('signatures fail for a tampered body, a wrong secret, or a timestamp outside the window', async () => {
    const peer = await receiver(verifying);
    await notifier().send(testMessage({ to: peer.url }));
    const { body, headers } = peer.requests[0]!;
    const header = headers['ciba-op-signature'] as string;
    const t = Number(/t=(\d+)/.exec(header)![1]) * 1000;

    expect(verifyWebhookSignature(SECRET, header, body, t)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, Buffer.from(body), t)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, body.replace('W4-PLX', 'W4-PLY'), t)).toBe(false);
    expect(verifyWebhookSignature(`${SECRET}x`, header, body, t)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, body, t + 299_000, 300)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, body, t + 301_000, 300)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, body, t - 301_000, 300)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header.replace(/t=\d+/, `t=${t / 1000 + 1}`), body, t)).toBe(false);
    expect(verifyWebhookSignature(SECRET, `v1=${'0'.repeat(64)},${header}`, body, t)).toBe(true); // rotation
    expect(verifyWebhookSignature(SECRET, undefined, body, t)).toBe(false);
    expect(verifyWebhookSignature(SECRET, 'garbage', body, t)).toBe(false);
  });

  it('retries 503 answers with backoff and then delivers exactly once, with one event id', async () => {
    let calls = 0;
    const accepted: string[] = [];
    const peer = await receiver((request, response) => {
      calls += 1;
      if (calls <= 2) return json(response, 503, { error: 'down for maintenance' });
      if (verifyWebhookSignature(SECRET, request.headers['ciba-op-signature'] as string, request.body)) accepted.push(eventOf(request).id);
      json(response, 200, {});
    });
    const output = captureOutput();
    cleanups.push(async () => output.restore());

    const result = await notifier({}, output.logger).send(testMessage({ to: peer.url }));

    expect(result.delivered).toBe(true);
    expect(peer.requests).toHaveLength(3);
    expect(accepted).toEqual([result.delivered && result.providerMessageId]);
    expect(new Set(peer.requests.map((r) => eventOf(r).id)).size).toBe(1);
    expect(output.text().match(/webhook attempt failed, retrying/g)).toHaveLength(2);
  });

  it('retries while the receiver drops connections, then delivers exactly once', async () => {
    const peer = await receiver(verifying);
    let dropped = 0;
    // Down for two attempts: the connection is cut before TLS, as by a restarting proxy.
    peer.server.prependListener('connection', (socket: Socket) => {
      if (dropped < 2) {
        dropped += 1;
        socket.destroy();
      }
    });
    const result = await notifier().send(testMessage({ to: peer.url }));
    expect(result.delivered).toBe(true);
    expect(dropped).toBe(2);
    expect(peer.requests).toHaveLength(1);
  });

  it('does not retry against a certificate no configured CA vouches for', async () => {
    const peer = await receiver(verifying);
    let connections = 0;
    peer.server.on('connection', () => void (connections += 1));
    const result = await notifier({ ca: undefined }).send(testMessage({ to: peer.url }));
    expect(result).toMatchObject({ delivered: false, error: { code: 'unreachable', retryable: false } });
    expect(!result.delivered && result.error.message).toMatch(/TLS certificate was not accepted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    expect(connections).toBe(1);
  });

  it('does not retry a 400, and scrubs the link from an echoed error body', async () => {
    const peer = await receiver((request, response) => json(response, 400, { error: 'bad event', echo: eventOf(request).data.link }));
    const message = testMessage({ to: peer.url });
    const result = await notifier().send(message);
    expect(peer.requests).toHaveLength(1);
    expect(result).toMatchObject({ delivered: false, error: { code: 'invalid', retryable: false } });
    expect(!result.delivered && result.error.message).toContain('HTTP 400: {"error":"bad event","echo":"[redacted]"}');
    expectNoSecrets(result, [message.link]);
  });

  it('does not follow a redirect', async () => {
    const peer = await receiver((request, response) => {
      if (request.path === '/elsewhere') return json(response, 200, {});
      response.writeHead(302, { location: '/elsewhere' }).end();
    });
    const result = await notifier().send(testMessage({ to: `${peer.url}/hook` }));
    expect(result).toMatchObject({ delivered: false, error: { code: 'redirected', retryable: false } });
    expect(peer.requests.map((r) => r.path)).toEqual(['/hook']);
  });

  it('bounds each attempt and the whole message in time', async () => {
    let calls = 0;
    const slowOnce = await receiver((_request, response) => {
      calls += 1;
      if (calls > 1) json(response, 200, {}); // the first attempt never gets an answer
    });
    let started = performance.now();
    const retried = await notifier({ attemptTimeoutMs: 300 }).send(testMessage({ to: slowOnce.url }));
    expect(retried.delivered).toBe(true);
    expect(slowOnce.requests).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(1500);

    const hanging = await receiver(() => {});
    started = performance.now();
    const result = await notifier({ timeoutMs: 700, attemptTimeoutMs: 300, maxAttempts: 10 }).send(testMessage({ to: hanging.url }));
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ delivered: false, error: { code: 'timeout', retryable: true } });
    expect(elapsed).toBeGreaterThanOrEqual(690);
    expect(elapsed).toBeLessThan(1200);
  });

  it('gives up after maxAttempts 5xx answers with a retryable error', async () => {
    const peer = await receiver((_request, response) => json(response, 502, {}));
    const result = await notifier({ maxAttempts: 4 }).send(testMessage({ to: peer.url }));
    expect(result).toMatchObject({ delivered: false, error: { code: 'provider_error', retryable: true } });
    expect(peer.requests).toHaveLength(4);
  });

  it('reads a bounded amount of an answer', async () => {
    let written = 0;
    const total = 64 * 1024 * 1024;
    const peer = await receiver((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    });
    const result = await notifier({ maxAttempts: 1, maxResponseBytes: 1024 }).send(testMessage({ to: peer.url }));
    expect(result).toMatchObject({ delivered: false, error: { code: 'provider_error' } });
    expect(!result.delivered && result.error.message.length).toBeLessThan(300);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(written).toBeLessThan(total / 4); // the connection was dropped, not drained
  });

  it('refuses plain http receivers unless allowInsecureHttp is set', async () => {
    const server = http.createServer((_request, response) => response.writeHead(200).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

    const refused = await notifier().send(testMessage({ to: url }));
    expect(refused).toMatchObject({ delivered: false, error: { code: 'invalid_recipient', retryable: false } });
    expect((await notifier({ allowInsecureHttp: true }).send(testMessage({ to: url }))).delivered).toBe(true);
    expect(await notifier().send(testMessage({ to: 'not a url' }))).toMatchObject({ error: { code: 'invalid_recipient' } });
  });

  it('rejects bad configuration at construction, naming the property', () => {
    const attempt = (config: object) => () => createWebhookNotifier(config as WebhookNotifierConfig);
    expect(attempt({})).toThrow(/webhook notifier config: secret or secretEnv is required/);
    expect(attempt({ secret: 'short' })).toThrow(/secret must NOT have fewer than 32 characters/);
    process.env.TEST_WEBHOOK_SHORT_SECRET = 'short';
    expect(attempt({ secretEnv: 'TEST_WEBHOOK_SHORT_SECRET' })).toThrow(/at least 32 characters/);
    delete process.env.TEST_WEBHOOK_SHORT_SECRET;
    expect(attempt({ secret: SECRET, maxAttempts: 0 })).toThrow(/maxAttempts must be >= 1/);
    expect(attempt({ secret: SECRET, retries: 3 })).toThrow(/retries is not a known property/);
    try {
      attempt({ secret: 'short-but-secret' })();
    } catch (err) {
      expect((err as Error).message).not.toContain('short-but-secret');
    }
  });
});
