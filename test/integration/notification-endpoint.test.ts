/**
 * Registering a ping or push client: the notification endpoint is held to https and the SSRF
 * rules (no loopback, private, link-local or metadata address, by literal or by what the host
 * resolves to) unless the operator allow-listed the host; delivery modes the OP does not offer
 * are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load.js';
import { createOp } from '../../core/op.js';
import { startOp, type TestOp } from '../support/op.js';
import { CIBA } from './clients.js';

async function register(t: TestOp, body: Record<string, unknown>) {
  const res = await fetch(`${t.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const pingClient = (endpoint: string, mode = 'ping') => ({
  grant_types: [CIBA],
  backchannel_token_delivery_mode: mode,
  backchannel_client_notification_endpoint: endpoint,
});

describe('notification endpoints at registration', () => {
  let strict: TestOp;
  let allowing: TestOp;
  let pollOnly: TestOp;
  beforeAll(async () => {
    strict = await startOp();
    allowing = await startOp({ config: { backchannelClientNotification: { allowPrivateHosts: ['127.0.0.1', 'localhost:8443'] } } });
    pollOnly = await startOp({ config: { backchannelTokenDeliveryModesSupported: ['poll'] } });
  });
  afterAll(async () => {
    await Promise.all([strict.close(), allowing.close(), pollOnly.close()]);
  });

  it.each([
    ['loopback', 'https://127.0.0.1:8443/cb'],
    ['IPv6 loopback', 'https://[::1]/cb'],
    ['a private address', 'https://10.1.2.3/cb'],
    ['another private range', 'https://192.168.1.20/cb'],
    ['the cloud metadata address', 'https://169.254.169.254/latest/meta-data'],
    ['carrier-grade NAT (a metadata address too)', 'https://100.100.100.200/cb'],
    ['an IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/cb'],
    ['a name that resolves to loopback', 'https://localhost:8443/cb'],
    ['plain http', 'http://rp.example/cb'],
  ])('refuses %s with invalid_client_metadata', async (_what, endpoint) => {
    const res = await register(strict, pingClient(endpoint));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client_metadata');
    expect(res.body.error_description).toMatch(/^backchannel_client_notification_endpoint/);
  });

  it('accepts an allow-listed host, by name as well as by address, and checks updates the same way', async () => {
    const byAddress = await register(allowing, pingClient('https://127.0.0.1:9443/cb', 'push'));
    expect(byAddress.status).toBe(201);
    expect((await register(allowing, pingClient('https://localhost:8443/cb'))).status).toBe(201);
    expect((await register(allowing, pingClient('https://localhost:9999/cb'))).status).toBe(400);
    expect((await register(allowing, pingClient('https://10.0.0.1/cb'))).status).toBe(400);

    const update = await fetch(byAddress.body.registration_client_uri as string, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${byAddress.body.registration_access_token as string}` },
      body: JSON.stringify({ client_id: byAddress.body.client_id, ...pingClient('https://169.254.169.254/cb') }),
    });
    expect(update.status).toBe(400);
  });

  it('allows plain http to an allow-listed loopback host in devMode only', async () => {
    expect((await register(allowing, pingClient('http://127.0.0.1:9080/cb'))).status).toBe(201);
    expect((await register(strict, pingClient('http://127.0.0.1:9080/cb'))).status).toBe(400);
  });

  it('refuses ping and push where the OP offers poll only', async () => {
    for (const mode of ['ping', 'push']) {
      const res = await register(pollOnly, pingClient('https://rp.example/cb', mode));
      expect(res.status).toBe(400);
      expect(res.body.error_description).toMatch(/backchannel_token_delivery_mode must be one of poll/);
    }
  });

  it('stops start-up on a configured client whose endpoint is a refused address', async () => {
    const config = loadConfig({
      env: {},
      overrides: {
        store: { inMemory: true },
        clients: [{ client_id: 'meta', client_secret: 'x', ...pingClient('https://169.254.169.254/cb') }],
      },
    });
    await expect(createOp(config)).rejects.toThrow(/clients\[0\] \(meta\): backchannel_client_notification_endpoint: 169\.254\.169\.254 is not a public address/);
  });
});
