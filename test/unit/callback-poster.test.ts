/**
 * CallbackPoster writes its own request head, so a notification token must never be able to end
 * a header line: one that could is refused before anything is sent. (bc-authorize only accepts
 * b64tokens; this holds even for a token stored some other way.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackPoster } from '../../core/ciba/outbox/post.js';
import { OutboundRefused } from '../../core/net/address-policy.js';

let server: Server;
let endpoint: string;
let host: string;
const received: Array<{ authorization: string | undefined; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ authorization: req.headers.authorization, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint = `http://${host}/cb`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function poster(): CallbackPoster {
  return new CallbackPoster({
    policy: { allowPrivateHosts: [host], allowLoopbackHttp: true },
    extraCa: null,
    timeoutMs: 2000,
    maxResponseBytes: 1024,
  });
}

describe('CallbackPoster', () => {
  it('sends the bearer token and the JSON body', async () => {
    const client = poster();
    try {
      expect(await client.post(endpoint, 'tok-1', '{"auth_req_id":"a"}')).toBe(204);
    } finally {
      client.close();
    }
    expect(received.at(-1)).toEqual({ authorization: 'Bearer tok-1', body: '{"auth_req_id":"a"}' });
  });

  it.each([
    ['CR LF', 'tok\r\nX-Injected: 1'],
    ['a bare LF', 'tok\nX-Injected: 1'],
    ['a NUL', 'tok\0'],
  ])('refuses a token holding %s and sends nothing', async (_what, token) => {
    const before = received.length;
    const client = poster();
    try {
      const refusal = client.post(endpoint, token, '{}');
      await expect(refusal).rejects.toThrow(OutboundRefused);
      await expect(refusal).rejects.toThrow('the notification token cannot be sent in a header');
    } finally {
      client.close();
    }
    // Give a request that went out anyway the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received.length).toBe(before);
  });
});
