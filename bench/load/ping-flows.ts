/**
 * The `ping-flows` phase: whole CIBA ping-mode flows against either server. The server's bench
 * client is a ping client there (bench/ping.ts), registered with an HTTPS receiver on 127.0.0.1
 * that this load process runs as a child process of its own (bench/callbacks/receiver.ts, the
 * test CA's certificate), so its TLS work shares neither the server's CPU nor the load's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { USERS, type PingReceiverSettings } from '../protocol.js';
import type { Arrival, ReceiverMessage } from '../callbacks/receiver.js';
import { errorKind, failureKind, runWorkers } from './http.js';
import { Links } from './links.js';
import { approveByLink, BC_BODIES, LINK_TIMEOUT_MS, redeem, type FlowStep, type PhaseContext } from './phases.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
/** From the approval's answer to the ping; both servers send it within milliseconds when healthy. */
const PING_TIMEOUT_MS = 10_000;
const RECEIVER_START_MS = 30_000;

/** A distinct client_notification_token per flow, so the receiver's bearer is checked against the flow's own. */
const notificationToken = (n: number): string => `bench-ping-${n}`;

/** The receiver process and the pings it reported, matched to flows by auth_req_id. */
export class PingReceiver {
  /** auth_req_id → the bearer its ping carried; a ping may arrive before or after the approval's answer. */
  private readonly pings = new Links();
  private readonly seen = new Set<string>();
  /** Pings that matched no flow's request twice or carried no auth_req_id, by kind. */
  readonly anomalies = new Map<string, number>();

  private constructor(private readonly child: ChildProcess) {}

  static async start(settings: PingReceiverSettings): Promise<PingReceiver> {
    const child = fork(here('../callbacks/receiver.ts'), [], {
      env: {
        ...process.env,
        BENCH_TLS_KEY: readFileSync(settings.keyFile, 'utf8'),
        BENCH_TLS_CERT: readFileSync(settings.certFile, 'utf8'),
        BENCH_RECEIVER_PORT: String(settings.port),
      },
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const receiver = new PingReceiver(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the ping receiver did not start in time')), RECEIVER_START_MS);
      child.on('message', (m: ReceiverMessage) => {
        if (m.type === 'listening') {
          clearTimeout(timer);
          resolve();
        } else {
          receiver.arrived(m.pings);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the ping receiver exited with ${code}`));
      });
    });
    return receiver;
  }

  private arrived(pings: readonly Arrival[]): void {
    for (const [id, , bearer] of pings) {
      if (!id) this.count('ping without auth_req_id');
      else if (this.seen.has(id)) this.count('ping duplicate');
      else {
        this.seen.add(id);
        this.pings.deliver(id, bearer);
      }
    }
  }

  private count(kind: string): void {
    this.anomalies.set(kind, (this.anomalies.get(kind) ?? 0) + 1);
  }

  /** The bearer token of the ping for `authReqId`; rejects after `timeoutMs`. */
  waitFor(authReqId: string, timeoutMs: number): Promise<string> {
    return this.pings.waitFor(authReqId, timeoutMs);
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

/**
 * bc-authorize with a client_notification_token → the link arrives (IPC) → GET the request and
 * POST approve with the link token (the flows phase's approval API) → the receiver gets the ping
 * carrying this auth_req_id and this flow's token → one token request. Success = that request
 * answers 200 with an id_token; latency is the whole flow's.
 */
async function pingFlow(ctx: PhaseContext, receiver: PingReceiver, n: number): Promise<void> {
  const { http, endpoints, recorder } = ctx;
  const start = process.hrtime.bigint();
  const expectedBearer = notificationToken(n);
  const step: FlowStep = { name: 'bc-authorize' };
  try {
    const answer = await http.clientPost(endpoints.backchannel, `${BC_BODIES[n % USERS] as string}&client_notification_token=${expectedBearer}`);
    const id = answer.status === 200 ? (JSON.parse(answer.text) as { auth_req_id?: unknown }).auth_req_id : undefined;
    if (typeof id !== 'string') return recorder.error(errorKind(step.name, answer));
    // Waiting starts now: a ping may well arrive before the approval's answer does.
    const ping = receiver.waitFor(id, LINK_TIMEOUT_MS + PING_TIMEOUT_MS);
    ping.catch(() => undefined);
    if (!(await approveByLink(ctx, id, step))) return;
    step.name = 'ping';
    if ((await ping) !== expectedBearer) return recorder.error('ping wrong bearer');
    await redeem(ctx, id, start, step);
  } catch (err) {
    recorder.error(failureKind(step.name, err));
  }
}

export async function pingFlowsPhase(ctx: PhaseContext, receiver: PingReceiver): Promise<void> {
  let n = 0;
  await runWorkers(ctx.settings.flows, ctx.window, () => pingFlow(ctx, receiver, n++));
  for (const [kind, count] of receiver.anomalies) ctx.recorder.errors.set(kind, (ctx.recorder.errors.get(kind) ?? 0) + count);
}
