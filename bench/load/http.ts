/**
 * The load's HTTP side: one keep-alive undici Pool per run, form posts with the bench client's
 * Basic credentials, and a recorder that keeps only what completed inside the measured window
 * while counting every unexpected answer, whenever it came.
 */
import { Pool } from 'undici';
import { CLIENT } from '../protocol.js';
import { percentile } from '../stats.js';

export interface Answer {
  status: number;
  text: string;
}

export interface Endpoints {
  backchannel: string;
  token: string;
}

const BASIC = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT.id)}:${encodeURIComponent(CLIENT.secret)}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';
const CLIENT_HEADERS = { authorization: BASIC, 'content-type': FORM };

export class Http {
  private readonly pool: Pool;

  constructor(origin: string, connections: number) {
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  /** A client-authenticated form post (bc-authorize, token). */
  clientPost(path: string, body: string): Promise<Answer> {
    return this.send('POST', path, CLIENT_HEADERS, body);
  }

  /** What the end-user's authenticator app sends: the link token as a Bearer credential. */
  appGet(path: string, linkToken: string): Promise<Answer> {
    return this.send('GET', path, { authorization: `Bearer ${linkToken}` }, undefined);
  }

  appPost(path: string, linkToken: string, body: unknown): Promise<Answer> {
    return this.send('POST', path, { authorization: `Bearer ${linkToken}`, 'content-type': 'application/json' }, JSON.stringify(body));
  }

  get(path: string): Promise<Answer> {
    return this.send('GET', path, undefined, undefined);
  }

  /** Both servers publish their endpoints in discovery; their paths differ. */
  async endpoints(): Promise<Endpoints> {
    const answer = await this.get('/.well-known/openid-configuration');
    if (answer.status !== 200) throw new Error(`discovery answered ${answer.status}`);
    const doc = JSON.parse(answer.text) as Record<string, string>;
    const path = (member: string): string => {
      const value = doc[member];
      if (!value) throw new Error(`discovery lacks ${member}`);
      return new URL(value).pathname;
    };
    return { backchannel: path('backchannel_authentication_endpoint'), token: path('token_endpoint') };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async send(method: 'GET' | 'POST', path: string, headers: Record<string, string> | undefined, body: string | undefined): Promise<Answer> {
    const res = await this.pool.request({ method, path, headers, body });
    return { status: res.statusCode, text: await res.body.text() };
  }
}

/** `step status error` of an unexpected answer, e.g. `token 400 slow_down`. */
export function errorKind(step: string, answer: Answer): string {
  let code = '';
  try {
    code = String((JSON.parse(answer.text) as { error?: unknown }).error ?? '');
  } catch {
    // Not JSON (an HTML page, an empty body): the status says enough.
  }
  return `${step} ${answer.status}${code ? ` ${code}` : ''}`;
}

export function failureKind(step: string, err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `${step} ${e.code ?? e.message ?? String(err)}`;
}

/** The warm-up and measured window of one run, on the monotonic clock. */
export class Window {
  readonly startNs: bigint;
  readonly endNs: bigint;

  constructor(warmupMs: number, measureMs: number) {
    const now = process.hrtime.bigint();
    this.startNs = now + BigInt(warmupMs) * 1_000_000n;
    this.endNs = this.startNs + BigInt(measureMs) * 1_000_000n;
  }

  over(): boolean {
    return process.hrtime.bigint() >= this.endNs;
  }
}

export class Recorder {
  private readonly latenciesUs: number[] = [];
  private completed = 0;

  /** `errors` may be shared so that errors from before the window (the polls pool) are kept. */
  constructor(
    private readonly window: Window,
    readonly errors = new Map<string, number>(),
  ) {}

  /**
   * A success counts towards the rate when it completed inside the window; its latency is kept
   * only when it also started there, so the cold start's first wave (256 flows at once on a
   * fresh process) does not pose as the steady state's tail.
   */
  success(startNs: bigint): void {
    const end = process.hrtime.bigint();
    if (end < this.window.startNs || end >= this.window.endNs) return;
    this.completed++;
    if (startNs >= this.window.startNs) this.latenciesUs.push(Number(end - startNs) / 1000);
  }

  error(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  get ok(): number {
    return this.completed;
  }

  latency(q: number): number | null {
    return this.latenciesUs.length ? percentile(this.latenciesUs, q) : null;
  }
}

/** Runs `workers` copies of `step` back to back until the window is over. */
export async function runWorkers(workers: number, window: Window, step: () => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!window.over()) await step();
    }),
  );
}
