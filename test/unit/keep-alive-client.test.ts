/**
 * The callbacks' HTTP/1.1 client against a raw TLS server on loopback with the test CA: answers
 * are written byte for byte, so framing, bounds and connection reuse are seen exactly.
 */
import { createServer, createSecureContext, rootCertificates, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OutboundRefused, type OutboundPolicy } from '../../core/net/address-policy.js';
import { AttemptTimeout, KeepAliveClient } from '../../core/net/keep-alive-client.js';
import { testTls } from '../plugins/support/tls.js';

/** What the server answers to a request for a path (raw bytes), or null to never answer. */
const ANSWERS: Record<string, string | null> = {
  '/ok': 'HTTP/1.1 204 No Content\r\n\r\n',
  '/length': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello',
  '/close': 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok',
  '/chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  '/continue': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n',
  '/redirect': 'HTTP/1.1 301 Moved Permanently\r\nLocation: https://127.0.0.1:1/\r\nContent-Length: 0\r\n\r\n',
  '/big': `HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(100_000)}`,
  '/endless-head': `HTTP/1.1 200 OK\r\n${'X-Filler: y\r\n'.repeat(5000)}`,
  '/garbage': 'SMTP ready\r\n\r\n',
  '/hang': null,
};

describe('KeepAliveClient', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  const { key, cert, ca } = testTls();
  const secureContext = createSecureContext({ ca: [...rootCertificates, ca] });

  beforeAll(async () => {
    server = createServer({ key, cert }, (socket: TLSSocket) => {
      connections += 1;
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString('latin1');
        for (;;) {
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return;
          const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
          if (pending.length < end + 4 + length) return;
          const path = /^POST (\S+) HTTP\/1\.1/.exec(pending)?.[1] ?? '';
          pending = pending.slice(end + 4 + length);
          const answer = ANSWERS[path];
          if (answer) socket.write(answer, 'latin1');
          if (path === '/close' || path === '/chunked') socket.end();
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const policy = (allowPrivateHosts = [`127.0.0.1:${port}`]): OutboundPolicy => ({ allowPrivateHosts, allowLoopbackHttp: false });
  const limits = { timeoutMs: 1000, maxResponseBytes: 16_384 };
  const head = (url: URL, body: string): string =>
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  function post(client: KeepAliveClient, path: string, host = '127.0.0.1'): Promise<number> {
    const url = new URL(`https://${host}:${port}${path}`);
    return client.request(url, head(url, '{}'), '{}', limits);
  }
  async function connectionsFor(run: () => Promise<unknown>): Promise<number> {
    const before = connections;
    await run();
    await new Promise((resolve) => setTimeout(resolve, 20));
    return connections - before;
  }

  it('sends many requests over one kept-alive connection, bodies framed by length or absent', async () => {
    const client = new KeepAliveClient({ policy: policy(), secureContext });
    const opened = await connectionsFor(async () => {
      for (let i = 0; i < 5; i++) {
        expect(await post(client, '/ok')).toBe(204);
        expect(await post(client, '/length')).toBe(200);
        expect(await post(client, '/continue')).toBe(401);
        expect(await post(client, '/redirect')).toBe(301);
      }
    });
    expect(opened).toBe(1);
    client.close();
  });

  it('answers the status of an answer it will not read to the end, and does not reuse that connection', async () => {
    const client = new KeepAliveClient({ policy: policy(), secureContext });
    const opened = await connectionsFor(async () => {
      expect(await post(client, '/chunked')).toBe(200);
      expect(await post(client, '/close')).toBe(200);
      expect(await post(client, '/big')).toBe(200);
      expect(await post(client, '/ok')).toBe(204);
    });
    expect(opened).toBe(4);
    client.close();
  });

  it('fails on an endless head, a non-HTTP answer and no answer, within the deadline', async () => {
    const client = new KeepAliveClient({ policy: policy(), secureContext });
    await expect(post(client, '/endless-head')).rejects.toMatchObject({ code: 'ERR_RESPONSE_HEAD_TOO_LARGE' });
    await expect(post(client, '/garbage')).rejects.toMatchObject({ code: 'ERR_INVALID_HTTP_RESPONSE' });
    const started = Date.now();
    await expect(post(client, '/hang')).rejects.toBeInstanceOf(AttemptTimeout);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await post(client, '/ok')).toBe(204);
    client.close();
  });

  it('checks the addresses a name resolves to when connecting, and the certificate against the name', async () => {
    const refusing = new KeepAliveClient({ policy: policy(), secureContext });
    const opened = await connectionsFor(() => expect(post(refusing, '/ok', 'localhost')).rejects.toBeInstanceOf(OutboundRefused));
    expect(opened).toBe(0);
    refusing.close();
    const allowing = new KeepAliveClient({ policy: policy([`localhost:${port}`]), secureContext });
    expect(await post(allowing, '/ok', 'localhost')).toBe(204);
    allowing.close();
  });

  it('refuses a server whose certificate it does not trust', async () => {
    const client = new KeepAliveClient({ policy: policy() });
    await expect(post(client, '/ok')).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SIGNATURE|ISSUER/) });
    client.close();
  });

  it('closes connections left idle longer than the idle timeout', async () => {
    const client = new KeepAliveClient({ policy: policy(), secureContext, idleTimeoutMs: 50 });
    const opened = await connectionsFor(async () => {
      expect(await post(client, '/ok')).toBe(204);
      expect(await post(client, '/ok')).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await post(client, '/ok')).toBe(204);
    });
    expect(opened).toBe(2);
    client.close();
  });

  it('opens a new connection rather than reuse one idle past the idle timeout, before any sweep', async () => {
    const client = new KeepAliveClient({ policy: policy(), secureContext, idleTimeoutMs: 60_000 });
    const opened = await connectionsFor(async () => {
      expect(await post(client, '/ok')).toBe(204);
      // A minute later by the clock the client reads; its sweep (every 30 s of real time) has not run.
      const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 61_000);
      try {
        expect(await post(client, '/ok')).toBe(204);
      } finally {
        clock.mockRestore();
      }
    });
    expect(opened).toBe(2);
    client.close();
  });

  it('rejects once closed', async () => {
    const client = new KeepAliveClient({ policy: policy(), secureContext });
    client.close();
    await expect(post(client, '/ok')).rejects.toThrow('closed');
  });
});
