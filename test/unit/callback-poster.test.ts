/**
 * CallbackPoster writes its own request head, so a notification token must never be able to end
 * a header line: one that could is refused before anything is sent. (bc-authorize only accepts
 * b64tokens; this holds even for a token stored some other way.) The receiver is the callback
 * tests' HTTPS peer, trusted through the test CA as an operator's CA would be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackPoster } from '../../core/ciba/outbox/post.js';
import { OutboundRefused } from '../../core/net/address-policy.js';
import { testTls } from '../plugins/support/tls.js';
import { startReceiver, type Receiver } from '../support/callbacks.js';

let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});

afterAll(() => receiver.close());

function poster(): CallbackPoster {
  return new CallbackPoster({
    policy: { allowPrivateHosts: [new URL(receiver.endpoint).host], allowLoopbackHttp: false },
    extraCa: testTls().ca,
    timeoutMs: 2000,
    maxResponseBytes: 1024,
  });
}

describe('CallbackPoster', () => {
  it('sends the bearer token and the JSON body', async () => {
    const client = poster();
    try {
      expect(await client.post(receiver.endpoint, 'tok-1', '{"auth_req_id":"a"}')).toBe(204);
    } finally {
      client.close();
    }
    const last = receiver.requests.at(-1)!;
    expect(last.headers.authorization).toBe('Bearer tok-1');
    expect(last.body).toBe('{"auth_req_id":"a"}');
  });

  it.each([
    ['CR LF', 'tok\r\nX-Injected: 1'],
    ['a bare LF', 'tok\nX-Injected: 1'],
    ['a NUL', 'tok\0'],
  ])('refuses a token holding %s and sends nothing', async (_what, token) => {
    const before = receiver.requests.length;
    const client = poster();
    try {
      const refusal = client.post(receiver.endpoint, token, '{}');
      await expect(refusal).rejects.toThrow(OutboundRefused);
      await expect(refusal).rejects.toThrow('the notification token cannot be sent in a header');
    } finally {
      client.close();
    }
    // Give a request that went out anyway the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.requests.length).toBe(before);
  });
});
