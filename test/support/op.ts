/**
 * Starts a real OP on 127.0.0.1 for integration tests: in-memory embedded store, a free port,
 * logs captured in memory so tests can read what the dev notifier wrote.
 */
import { Writable } from 'node:stream';
import { loadConfig } from '../../core/config/load.js';
import { createLogger } from '../../core/logging.js';
import { createOp, type CreateOpOptions, type Op } from '../../core/op.js';
import { hashSecret } from '../../core/users/password.js';
import type { UserRecord } from '../../core/store/ports.js';
import { freePort } from './free-port.js';

export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
}

export interface TestOp {
  op: Op;
  url: string;
  logs: LogCapture;
  close(): Promise<void>;
  /** Resolves with the verification link the dev notifier logged for an auth request. */
  linkFor(authReqId: string, timeoutMs?: number): Promise<string>;
  createUser(user: Partial<UserRecord> & { sub: string; password?: string; userCode?: string }): Promise<UserRecord>;
}

export interface StartOptions extends CreateOpOptions {
  config?: Record<string, unknown>;
  dataDir?: string;
}

export async function startOp(options: StartOptions = {}): Promise<TestOp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const store = options.dataDir ? { dataDir: options.dataDir, inMemory: false } : { inMemory: true };
  const config = loadConfig({
    env: {},
    overrides: {
      issuer: url,
      host: '127.0.0.1',
      port,
      logLevel: 'info',
      backchannelAuthenticationResponseInterval: 1,
      ...options.config,
      store: { ...store, ...((options.config?.store as object) ?? {}) },
    },
  });
  const logs = new LogCapture();
  const op = await createOp(config, { logger: createLogger('info', logs), ...options });
  await op.listen();
  const store_ = op.context.store;
  return {
    op,
    url,
    logs,
    close: () => op.close(),
    async linkFor(authReqId, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const line = logs.lines.find((l) => l.authReqId === authReqId && typeof l.verificationLink === 'string');
        if (line) return line.verificationLink as string;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no verification link logged for ${authReqId}`);
    },
    async createUser({ password, userCode, ...fields }) {
      const now = Date.now();
      const record: UserRecord = {
        username: fields.sub,
        email: null,
        phone_number: null,
        claims: {},
        disabled: false,
        createdAt: now,
        updatedAt: now,
        ...fields,
        passwordHash: password ? await hashSecret(password) : null,
        userCodeHash: userCode ? await hashSecret(userCode) : null,
      };
      await store_.users.create(record);
      return record;
    },
  };
}

/** A tiny form-posting HTTP client for protocol tests. */
export async function postForm(
  url: string,
  params: Record<string, string | string[]>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  }
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export function basic(clientId: string, secret: string): Record<string, string> {
  const enc = (s: string) => encodeURIComponent(s);
  return { authorization: `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}` };
}

/**
 * Opens a verification link as a browser would: the link sets the link cookie and redirects to
 * the page, which is fetched with that cookie. `html` is the page (or the neutral dead-link page).
 */
export async function openLink(link: string): Promise<{ status: number; html: string; cookie: string; pageUrl: URL }> {
  const opened = await fetch(link, { redirect: 'manual' });
  const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const pageUrl = new URL(opened.headers.get('location') ?? link, link);
  if (opened.status !== 303) return { status: opened.status, html: await opened.text(), cookie, pageUrl };
  const page = await fetch(pageUrl, { headers: { cookie } });
  return { status: page.status, html: await page.text(), cookie, pageUrl };
}

/**
 * Approves or denies through the real verification page: open the link, POST the page's form
 * with the cookie and the page's CSRF token — and the credentials, when the request's acr asks
 * for a password.
 */
export async function decideViaLink(
  link: string,
  decision: 'approve' | 'deny',
  credentials?: { username: string; password: string },
): Promise<{ status: number; html: string }> {
  const { status, html, cookie, pageUrl } = await openLink(link);
  if (status !== 200) return { status, html };
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error('verification page has no csrf field');
  const res = await fetch(pageUrl, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, decision, ...credentials }),
  });
  return { status: res.status, html: await res.text() };
}
