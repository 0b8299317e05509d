/** The SSRF-guarded fetch against a real HTTP server on loopback. */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress, OutboundRefused, type OutboundPolicy } from '../../core/net/address-policy.js';
import { guardedFetch } from '../../core/net/guarded-fetch.js';

describe('isPublicAddress', () => {
  it.each(['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.20.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a00:1'])(
    'refuses %s',
    (address) => expect(isPublicAddress(address)).toBe(false),
  );
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111'])('accepts %s', (address) => expect(isPublicAddress(address)).toBe(true));
});

describe('guardedFetch', () => {
  let server: Server;
  let port: number;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') return void res.end('x'.repeat(5000));
      if (req.url === '/redirect') return void res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end();
      if (req.url === '/hang') return;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const limits = { timeoutMs: 1000, maxBytes: 1024 };
  const allowed = (): OutboundPolicy => ({ allowPrivateHosts: [`127.0.0.1:${port}`, `localhost:${port}`], allowLoopbackHttp: true });

  it('fetches from an allow-listed loopback host', async () => {
    const res = await guardedFetch(`${base}/`, limits, allowed());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('refuses loopback, by literal or by name, unless allow-listed', async () => {
    const policy = { allowPrivateHosts: [], allowLoopbackHttp: true };
    await expect(guardedFetch(`${base}/`, limits, policy)).rejects.toThrow(/not a public address/);
    await expect(guardedFetch(`http://localhost:${port}/`, limits, policy)).rejects.toThrow(/resolves to .* not a public address/);
    expect((await guardedFetch(`http://localhost:${port}/`, limits, allowed())).status).toBe(200);
  });

  it('refuses plain http unless it is loopback in devMode, and URLs with credentials', async () => {
    await expect(guardedFetch(`${base}/`, limits, { ...allowed(), allowLoopbackHttp: false })).rejects.toThrow(/only https/);
    await expect(guardedFetch('http://example.com/', limits, allowed())).rejects.toThrow(/only https/);
    await expect(guardedFetch(`http://u:p@127.0.0.1:${port}/`, limits, allowed())).rejects.toBeInstanceOf(OutboundRefused);
  });

  it('never follows a redirect', async () => {
    const res = await guardedFetch(`${base}/redirect`, limits, allowed());
    expect(res.status).toBe(302);
  });

  it('refuses a body over maxBytes and gives up at the deadline', async () => {
    await expect(guardedFetch(`${base}/big`, limits, allowed())).rejects.toThrow(/larger than 1024 bytes/);
    await expect(guardedFetch(`${base}/hang`, { ...limits, timeoutMs: 200 }, allowed())).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
