/**
 * How the outbox copes with receivers that misbehave: down for a while (exactly one delivery
 * once it is up), slow (timeout, retry), redirecting (the Location is never called), answering
 * without end (bounded read), never succeeding (dead-lettered at the deadline and logged), or
 * named by a host that resolves to a refused address at send time. Also: transaction_failed, and
 * no secret in the logs.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, decideViaLink, postForm } from '../support/op.js';
import { callbackClient, quiet, startCallbackOp, startReceiver, waitFor, type CallbackOp, type Receiver } from '../support/callbacks.js';
import { testTls } from '../plugins/support/tls.js';
import { expectNoSecrets } from '../plugins/support/capture.js';

describe('callback delivery', () => {
  let t: CallbackOp;
  const receivers: Record<string, Receiver> = {};
  const secrets: string[] = [];

  beforeAll(async () => {
    const target = await startReceiver();
    receivers.down = await startReceiver();
    receivers.slow = await startReceiver((n) => (n === 0 ? 'hang' : 204));
    receivers.redirect = await startReceiver(() => ({ status: 301, headers: { location: target.endpoint } }));
    receivers.target = target;
    receivers.failing = await startReceiver(() => 503);
    receivers.renamed = await startReceiver();
    const { port } = receivers.renamed.server.address() as AddressInfo;
    t = await startCallbackOp(
      [
        callbackClient('down', 'ping', receivers.down.endpoint),
        callbackClient('slow', 'ping', receivers.slow.endpoint),
        callbackClient('redirect', 'ping', receivers.redirect.endpoint),
        callbackClient('failing', 'push', receivers.failing.endpoint),
        // 127.0.0.1 is allowed, the name localhost is not: config clients are checked by URL only.
        callbackClient('renamed', 'ping', `https://localhost:${port}/cb`),
      ],
      { logLevel: 'debug', cibaGrantLifeExtraTimeSec: 1 },
    );
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(Object.values(receivers).map((r) => r.close()));
  });

  async function approved(client: Parameters<CallbackOp['authorize']>[0], params: Record<string, string> = {}): Promise<string> {
    const token = `${typeof client === 'string' ? client : client.id}-notification-token`;
    secrets.push(token);
    const id = (await t.authorize(client, token, params)).auth_req_id as string;
    await decideViaLink(await t.linkFor(id), 'approve');
    return id;
  }
  const entry = (id: string) => t.op.context.store.outbox.get(id);

  it('delivers exactly once to a receiver that was down for several attempts', async () => {
    const down = receivers.down as Receiver;
    const { port } = down.server.address() as AddressInfo;
    await new Promise<void>((resolve) => down.server.close(() => resolve()));
    const id = await approved('down');
    await waitFor(async () => ((await entry(id))?.attempts ?? 0) >= 3, 'three refused attempts');
    expect((await entry(id))?.lastError).toBe('ECONNREFUSED');
    await new Promise<void>((resolve) => down.server.listen(port, '127.0.0.1', resolve));
    await waitFor(async () => (await entry(id)) === null, 'the delivery');
    await quiet(400);
    expect(down.delivered()).toHaveLength(1);
    expect(down.requests).toHaveLength(1);
  });

  it('gives up on a receiver that does not answer in time and tries again', async () => {
    const slow = receivers.slow as Receiver;
    const id = await approved('slow');
    await waitFor(async () => ((await entry(id))?.lastError ?? '') === 'no complete answer within 1000 ms', 'the timeout');
    await waitFor(async () => (await entry(id)) === null, 'the retried delivery');
    expect(slow.requests).toHaveLength(2);
    expect(slow.delivered()).toHaveLength(1);
  });

  it('never follows a redirect: the Location is not called and the callback is dead-lettered', async () => {
    const id = await approved('redirect');
    await waitFor(async () => (await entry(id))?.status === 'dead', 'the dead letter');
    await quiet(300);
    expect((receivers.redirect as Receiver).requests).toHaveLength(1);
    expect((receivers.target as Receiver).requests).toHaveLength(0);
    expect((await entry(id))?.lastError).toBe('HTTP 301 (redirects are not followed)');
  });

  it('refuses at send time a host that resolves to a loopback address not allowed, without connecting', async () => {
    const id = await approved('renamed');
    await waitFor(async () => (await entry(id))?.status === 'dead', 'the dead letter');
    expect((await entry(id))?.lastError).toMatch(/^endpoint refused: localhost resolves to .*not a public address/);
    expect((receivers.renamed as Receiver).requests).toHaveLength(0);
  });

  it('retries until the request lifetime plus cibaGrantLifeExtraTimeSec, then dead-letters, logs and revokes', async () => {
    const id = await approved('failing', { requested_expiry: '5' });
    await waitFor(() => (receivers.failing as Receiver).requests.length >= 2, 'a few attempts');
    t.advance(6_500); // past expires_in (5 s) + extra time (1 s)
    await waitFor(async () => (await entry(id))?.status === 'dead', 'the dead letter', 3000);
    const attempts = (receivers.failing as Receiver).requests.length;
    await quiet(300);
    expect((receivers.failing as Receiver).requests).toHaveLength(attempts);
    const logged = t.logs.lines.find((l) => l.msg === 'callback dead-lettered' && l.authReqId === id);
    expect(logged).toMatchObject({ level: 40, mode: 'push', error: expect.stringMatching(/HTTP 503|deadline/) });
    const pushed = JSON.parse((receivers.failing as Receiver).requests[0]?.body as string) as Record<string, string>;
    secrets.push(pushed.access_token as string, pushed.refresh_token as string, pushed.id_token as string);
    expect((await fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${pushed.access_token}` } })).status).toBe(401);
  });

  it('reads only a bounded part of an endless answer and counts it as delivered', async () => {
    const { key, cert } = testTls();
    let finished = false;
    const server = https.createServer({ key, cert }, (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const write = () => {
        // Ten megabytes unless the OP hangs up first.
        for (let i = 0; i < 160 && res.writable; i += 1) if (!res.write(chunk)) return void res.once('drain', write);
        res.end();
        finished = true;
      };
      write();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const id = await approved(await t.register('ping', `https://127.0.0.1:${port}/cb`));
    await waitFor(async () => (await entry(id)) === null, 'the delivery');
    expect(finished).toBe(false);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('wrote no notification token and no pushed token to the log', () => {
    expect(t.logs.raw.length).toBeGreaterThan(0);
    expectNoSecrets(t.logs.raw.join('\n'), secrets);
  });
});

describe('when the end-user cannot be reached', () => {
  it('pings the ping client and pushes transaction_failed to the push client', async () => {
    const receiver = await startReceiver();
    const t = await startCallbackOp([callbackClient('ping-f', 'ping', receiver.endpoint), callbackClient('push-f', 'push', receiver.endpoint)], {
      cibaEndUserNotificationConfig: { channels: [] },
    });
    try {
      const ping = (await t.authorize('ping-f', 'ping-f-token')).auth_req_id;
      const push = (await t.authorize('push-f', 'push-f-token')).auth_req_id;
      await waitFor(() => receiver.requests.length === 2, 'both callbacks');
      const bodies = receiver.bodies();
      expect(bodies).toContainEqual({ auth_req_id: ping });
      expect(bodies).toContainEqual({ error: 'transaction_failed', error_description: 'the end-user could not be reached', auth_req_id: push });
      const poll = await postForm(`${t.url}/token`, { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: ping as string }, basic('ping-f', 'ping-f-secret'));
      expect(poll.body.error).toBe('access_denied');
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});
