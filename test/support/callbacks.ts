/**
 * Ping/push receivers for the callback tests: real HTTPS servers on 127.0.0.1 with the test CA's
 * certificate (test/plugins/support), and the OP configuration that trusts that CA and lets
 * notification endpoints reach 127.0.0.1 — nothing in the OP's TLS verification is switched off.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpsPeer, type HttpsPeer, type RecordedRequest } from '../plugins/support/https-peer.js';
import { testTls } from '../plugins/support/tls.js';
import { CIBA } from '../integration/clients.js';
import { basic, postForm, startOp, type TestOp } from './op.js';

/** What a receiver does with its n-th callback (0-based): answer with a status, or never answer. */
export type Reply = number | { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Receiver extends HttpsPeer {
  /** The endpoint to register: `<url>/cb`. */
  endpoint: string;
  /** Callbacks answered with 2xx. */
  delivered(): RecordedRequest[];
  /** Bodies of the callbacks, parsed. */
  bodies(): Array<Record<string, unknown>>;
}

export async function startReceiver(reply: (n: number, request: RecordedRequest) => Reply = () => 204): Promise<Receiver> {
  const answered = new Set<RecordedRequest>();
  let n = 0;
  const peer = await startHttpsPeer((request, response: ServerResponse) => {
    const chosen = reply(n++, request);
    if (chosen === 'hang') return;
    const { status, headers = {}, body = '' } = typeof chosen === 'number' ? { status: chosen } : chosen;
    if (status >= 200 && status < 300) answered.add(request);
    response.writeHead(status, headers);
    response.end(body);
  });
  return {
    ...peer,
    endpoint: `${peer.url}/cb`,
    delivered: () => peer.requests.filter((r) => answered.has(r)),
    bodies: () => peer.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>),
  };
}

let caFile: string | undefined;

/** The test CA as a PEM file, the way an operator hands a private CA to the OP. */
export function testCaFile(): string {
  if (!caFile) {
    caFile = join(mkdtempSync(join(tmpdir(), 'ciba-op-ca-')), 'ca.pem');
    writeFileSync(caFile, testTls().ca);
  }
  return caFile;
}

/** Fast retries and short leases, so retry and takeover tests take milliseconds, not minutes. */
export function notificationConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    allowPrivateHosts: ['127.0.0.1'],
    caFile: testCaFile(),
    timeoutMs: 1000,
    leaseSec: 3,
    pollIntervalMs: 25,
    retryInitialDelayMs: 40,
    retryMaxDelayMs: 160,
    ...overrides,
  };
}

/** A static client of the given mode calling back `endpoint`; its secret is `<id>-secret`. */
export function callbackClient(clientId: string, mode: 'poll' | 'ping' | 'push', endpoint: string): Record<string, unknown> {
  return {
    client_id: clientId,
    client_secret: `${clientId}-secret`,
    grant_types: [CIBA, 'refresh_token'],
    backchannel_token_delivery_mode: mode,
    backchannel_client_notification_endpoint: endpoint,
  };
}

/** Polls `condition` every 10 ms until it holds, or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves after `ms`: for asserting that nothing more happens within a window. */
export const quiet = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The end-user every callback OP knows. */
export const USER = 'cathy';

export interface CallbackOp extends TestOp {
  /** Moves the OP's clock forward: requests expire without waiting. */
  advance(ms: number): void;
  /** A /bc-authorize that must succeed, for `USER`; resolves with the acknowledgement. */
  authorize(client: string | ClientCredentials, token: string, params?: Record<string, string>): Promise<Record<string, unknown>>;
  /** Registers a CIBA client of `mode` calling back `endpoint` (RFC 7591). */
  register(mode: 'ping' | 'push', endpoint: string): Promise<ClientCredentials>;
}

export interface ClientCredentials {
  id: string;
  secret: string;
}

/** An OP with fast callback settings (`notification` overrides them), the given static clients and `USER`. */
export async function startCallbackOp(
  clients: Record<string, unknown>[],
  config: Record<string, unknown> = {},
  notification: Record<string, unknown> = {},
): Promise<CallbackOp> {
  let skew = 0;
  const t = await startOp({
    now: () => Date.now() + skew,
    config: { ...config, backchannelClientNotification: notificationConfig(notification), clients },
  });
  await t.createUser({ sub: USER, email: `${USER}@example.com` });
  return {
    ...t,
    advance(ms) {
      skew += ms;
    },
    async authorize(client, token, params = {}) {
      const { id, secret } = typeof client === 'string' ? { id: client, secret: `${client}-secret` } : client;
      const res = await postForm(
        `${t.url}/bc-authorize`,
        { scope: 'openid email offline_access', login_hint: USER, client_notification_token: token, ...params },
        basic(id, secret),
      );
      if (res.status !== 200) throw new Error(`bc-authorize answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async register(mode, endpoint) {
      const res = await fetch(`${t.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: [CIBA, 'refresh_token'], backchannel_token_delivery_mode: mode, backchannel_client_notification_endpoint: endpoint }),
      });
      const body = (await res.json()) as Record<string, string>;
      if (res.status !== 201) throw new Error(`registration answered ${res.status}: ${JSON.stringify(body)}`);
      return { id: body.client_id as string, secret: body.client_secret as string };
    },
  };
}
