/**
 * `node --no-node-snapshot --import tsx bench/callbacks.ts`: the callback outbox of our OP alone
 * (oidc-provider has no outbox to compare with; ping flows side by side are the `ping-flows`
 * phase of bench/run.ts). The OP runs in this process on the embedded in-memory store with one
 * ping client; the receiver runs in a child process (bench/callbacks/receiver.ts).
 *
 * 1. Latency, idle queue: FLOWS_LATENCY flows one after the other; for each, from sending the
 *    end-user's approval (authenticator-app API) to the ping arriving at the receiver.
 * 2. Throughput, 1,000 queued: 1,000 approved requests whose callbacks are all due at once
 *    (a backlog, as after the client's endpoint comes back); deliveries per second from the first
 *    to the last arrival, and the whole drain including the first claim.
 *
 * Settings (environment): BENCH_CALLBACK_FLOWS (500), BENCH_CALLBACK_QUEUED (1000),
 * BENCH_CALLBACK_PROFILE (a file: CPU-profile the drain of part 2; bench/profile-top.ts reads it).
 */
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../core/config/load.js';
import { createOp } from '../core/op.js';
import type { HookInputs, HookMeta, HookName, HookOutputs, HookRunner } from '../core/hooks/types.js';
import type { OutboxEntry } from '../core/store/ports.js';
import { testTls } from '../test/plugins/support/tls.js';
import type { Arrival, ReceiverMessage } from './callbacks/receiver.js';
import { percentile } from './stats.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const FLOWS_LATENCY = Number(process.env.BENCH_CALLBACK_FLOWS ?? 500);
const WARMUP_FLOWS = 50;
const QUEUED = Number(process.env.BENCH_CALLBACK_QUEUED ?? 1000);
const CLIENT = { id: 'pinged', secret: 'pinged-secret' };
const USER = 'user-0';
const now = (): number => performance.timeOrigin + performance.now();

/** Arrival times by auth_req_id, and waiters for ids not arrived yet. */
class Arrivals {
  readonly at = new Map<string, number>();
  private readonly waiting = new Map<string, (at: number) => void>();
  record(pings: readonly Arrival[]): void {
    for (const [id, at] of pings) {
      this.at.set(id, at);
      this.waiting.get(id)?.(at);
      this.waiting.delete(id);
    }
  }
  wait(id: string): Promise<number> {
    const at = this.at.get(id);
    return at !== undefined ? Promise.resolve(at) : new Promise((resolve) => this.waiting.set(id, resolve));
  }
}

/** Keeps every verification link token; the real hooks do everything else. */
class LinkCapture implements HookRunner {
  readonly tokens = new Map<string, string>();
  constructor(private readonly builtins: HookRunner) {}
  run<H extends HookName>(hook: H, input: HookInputs[H], meta: HookMeta): Promise<HookOutputs[H]> {
    if (hook !== 'notifyEndUser') return this.builtins.run(hook, input, meta);
    const { authReqId, link } = input as HookInputs['notifyEndUser'];
    this.tokens.set(authReqId, new URL(link).searchParams.get('token') ?? '');
    return Promise.resolve({ sent: [{ channel: 'bench', delivered: true }] } as HookOutputs[H]);
  }
}

async function main(): Promise<void> {
  const tls = testTls();
  const dir = mkdtempSync(join(tmpdir(), 'ciba-bench-callbacks-'));
  writeFileSync(join(dir, 'ca.pem'), tls.ca);
  const receiver = fork(here('./callbacks/receiver.ts'), [], {
    env: { ...process.env, BENCH_TLS_KEY: tls.key, BENCH_TLS_CERT: tls.cert },
    execArgv: ['--import', 'tsx'],
  });
  const arrivals = new Arrivals();
  const receiverUrl = await new Promise<string>((resolve) => {
    receiver.on('message', (m: ReceiverMessage) => (m.type === 'listening' ? resolve(m.url) : arrivals.record(m.pings)));
  });

  const config = loadConfig({
    env: {},
    overrides: {
      issuer: 'http://127.0.0.1:0',
      port: 0,
      logLevel: 'warn',
      store: { inMemory: true },
      // One client from one address: the per-client limits would measure themselves.
      rateLimits: { bcAuthorize: { perClient: null, perIp: null }, token: { perClient: null, perIp: null } },
      backchannelClientNotification: { allowPrivateHosts: ['127.0.0.1'], caFile: join(dir, 'ca.pem') },
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          grant_types: ['urn:openid:params:grant-type:ciba'],
          backchannel_token_delivery_mode: 'ping',
          backchannel_client_notification_endpoint: `${receiverUrl}/cb`,
        },
      ],
    },
  });
  let links: LinkCapture | undefined;
  const op = await createOp(config, { hooks: (builtins) => (links = new LinkCapture(builtins)) });
  const url = await op.listen();
  const { store } = op.context;
  await store.users.create({ sub: USER, username: USER, email: null, phone_number: null, claims: {}, passwordHash: null, userCodeHash: null, disabled: false, createdAt: Date.now(), updatedAt: Date.now() });
  const basic = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`;

  async function authorize(): Promise<string> {
    const res = await fetch(`${url}/bc-authorize`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: `scope=openid&login_hint=${USER}&client_notification_token=bench-notification-token`,
    });
    const body = (await res.json()) as { auth_req_id?: string };
    if (res.status !== 200 || !body.auth_req_id) throw new Error(`bc-authorize answered ${res.status}: ${JSON.stringify(body)}`);
    return body.auth_req_id;
  }
  async function linkToken(id: string): Promise<string> {
    for (;;) {
      const token = links?.tokens.get(id);
      if (token) return token;
      await new Promise((r) => setImmediate(r));
    }
  }

  // 1. Approval → callback, one flow at a time.
  const latencies: number[] = [];
  for (let i = 0; i < WARMUP_FLOWS + FLOWS_LATENCY; i++) {
    const id = await authorize();
    const token = await linkToken(id);
    const sent = now();
    const approved = await fetch(`${url}/enduser/api/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    });
    if (approved.status !== 200) throw new Error(`approval answered ${approved.status}: ${await approved.text()}`);
    const arrived = await arrivals.wait(id);
    if (i >= WARMUP_FLOWS) latencies.push(arrived - sent);
  }

  // 2. A backlog of QUEUED due callbacks, all at once.
  const ids: string[] = [];
  for (let i = 0; i < QUEUED; i += 50) ids.push(...(await Promise.all(Array.from({ length: Math.min(50, QUEUED - i) }, authorize))));
  const at = Date.now();
  for (const id of ids) await store.authRequests.transition(id, ['pending'], 'approved', { decidedAt: at, authTime: at, acr: null, amr: ['otp'] });
  const deadlines = await Promise.all(ids.map(async (id) => (await store.authRequests.get(id))?.purgeAt as number));
  // Due over the last second, as retries of callbacks that failed together are (jittered).
  const entries: OutboxEntry[] = ids.map((id, i) => ({
    id, clientId: CLIENT.id, mode: 'ping', status: 'queued', attempts: 1, nextAttemptAt: at - 1000 + Math.floor((i * 1000) / QUEUED), leaseOwner: null, leaseExpiresAt: 0,
    deadline: deadlines[i] as number, sealedPayload: null, grantId: null, lastError: null, createdAt: at, updatedAt: at,
  }));
  const profile = process.env.BENCH_CALLBACK_PROFILE ? new Session() : null;
  if (profile) {
    profile.connect();
    await profile.post('Profiler.enable');
    await profile.post('Profiler.start');
  }
  const cpuBefore = process.cpuUsage();
  const queuedAt = now();
  await store.outbox.enqueue(entries);
  const times = (await Promise.all(ids.map((id) => arrivals.wait(id)))).sort((a, b) => a - b);
  const cpu = process.cpuUsage(cpuBefore);
  if (profile) writeFileSync(process.env.BENCH_CALLBACK_PROFILE as string, JSON.stringify((await profile.post('Profiler.stop')).profile));
  const first = times[0] as number;
  const last = times[times.length - 1] as number;

  const result = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version },
    latency: { flows: FLOWS_LATENCY, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), maxMs: Math.max(...latencies) },
    backlog: {
      queued: QUEUED,
      deliveriesPerSec: (QUEUED - 1) / ((last - first) / 1000),
      drainMs: last - queuedAt,
      firstArrivalMs: first - queuedAt,
      opCpuShare: (cpu.user + cpu.system) / 1000 / (last - queuedAt),
      // This process's CPU from queueing to the last arrival (the OP, plus the bench's own
      // queueing and arrival bookkeeping), per delivery: steadier than the rate on a shared machine.
      cpuUsPerDelivery: (cpu.user + cpu.system) / QUEUED,
      deliveredCounter: op.delivery.metrics.snapshot(),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(here('./out'), { recursive: true });
  writeFileSync(here(`./out/callbacks-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
  await op.close();
  receiver.disconnect();
}

main().catch((err: unknown) => {
  console.error('bench:', err);
  process.exit(1);
});
