/**
 * Graceful shutdown of the real command, `ciba-op start`, run from source in a child process.
 * A burst of bc-authorize requests is held inside the OP (an interception script waits on an
 * HTTP peer the test controls); SIGTERM arrives; the OP stops accepting, every accepted request
 * completes, the post-response notifications run, and the process exits 0 within its deadline.
 * A restart on the same data continues the pending requests. Then a request that never ends
 * cannot hold the process past the deadline: it exits 1 on time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../core/paths.js';
import { adminCall } from '../support/admin.js';
import { approve, poll } from '../support/ciba-steps.js';
import { freePort } from '../support/free-port.js';
import { basic, postForm } from '../support/op.js';
import { CIBA } from './clients.js';

const ADMIN = 's'.repeat(40);
const DEADLINE_SEC = 4;
const BURST = 6;

interface RunningOp {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; at: number }>;
}

/** `ciba-op start --config <file>` from source, as README's dev command runs it. */
async function startCli(configFile: string): Promise<RunningOp> {
  const child = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', fromRoot('core', 'cli', 'main.ts'), 'start', '--config', configFile], {
    cwd: fromRoot(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: RunningOp['lines'] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete.filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
  const deadline = Date.now() + 30_000;
  while (!lines.some((l) => l.msg === 'ciba-op listening')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the OP did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, lines, exited };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('graceful shutdown of ciba-op start', () => {
  let gate: Server;
  const held: ServerResponse[] = [];
  let url: string;
  let configFile: string;
  const running: RunningOp[] = [];
  const auth = basic('poll', 'poll-secret');

  beforeAll(async () => {
    gate = createServer((_req, res) => void held.push(res));
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    const gatePort = (gate.address() as { port: number }).port;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'ciba-shutdown-'));
    configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        issuer: url,
        host: '127.0.0.1',
        port,
        adminToken: ADMIN,
        store: { dataDir: join(dir, 'data') },
        backchannelAuthenticationResponseInterval: 1,
        shutdown: { deadlineSec: DEADLINE_SEC },
        clients: [{ client_id: 'poll', client_secret: 'poll-secret', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' }],
        scripts: { workers: 1, deadlineMs: 20_000, typeCheckOnPush: false, httpAllowList: [`127.0.0.1:${gatePort}`] },
      }),
    );
    running.push(await startCli(configFile));
    const created = await adminCall(url, ADMIN, 'POST', '/admin/users', { sub: 'sam', username: 'sam' });
    expect(created.status).toBe(201);
    // Every login hint waits on the gate before it resolves: a request the test holds in flight.
    const pushed = await adminCall(url, ADMIN, 'POST', '/admin/scripts/held/versions', {
      hook: 'resolveLoginHint',
      activate: true,
      source: `export const resolveLoginHint = async (ctx, api) => {
        await api.http.post('http://127.0.0.1:${gatePort}/hold', { hint: ctx.value }, { timeoutMs: 20000 });
        const [user] = await api.users.find('username', ctx.value);
        return user ? { sub: user.sub } : { error: 'unknown_user_id' };
      };`,
    });
    expect(pushed.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    for (const op of running) if (op.child.exitCode === null) op.child.kill('SIGKILL');
    for (const res of held) res.destroy();
    gate.closeAllConnections();
    gate.close();
  });

  it('finishes every accepted request, exits 0 within the deadline, and a restart continues the pending requests', async () => {
    const first = running[0] as RunningOp;
    const burst = Array.from({ length: BURST }, () => postForm(`${url}/bc-authorize`, { scope: 'openid', login_hint: 'sam' }, auth));
    await until(() => held.length === BURST, 'the burst to reach the gate');

    const signalled = Date.now();
    first.child.kill('SIGTERM');
    await until(() => first.lines.some((l) => l.msg === 'shutting down'), 'the OP to start shutting down');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow(); // no longer accepting connections

    for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const answers = await Promise.all(burst);
    expect(answers.map((a) => a.status)).toEqual(Array(BURST).fill(200));
    const ids = answers.map((a) => a.body.auth_req_id as string);

    const { code, at } = await first.exited;
    expect(code, JSON.stringify(first.lines.slice(-5))).toBe(0);
    expect(at - signalled).toBeLessThan(DEADLINE_SEC * 1000);
    // The post-response jobs ran before the process went: every end-user was notified.
    const links = new Map(first.lines.filter((l) => typeof l.verificationLink === 'string').map((l) => [l.authReqId as string, l.verificationLink as string]));
    expect([...links.keys()].sort()).toEqual([...ids].sort());
    expect(first.lines.at(-1)).toMatchObject({ msg: 'stopped', signal: 'SIGTERM' });

    const second = await startCli(configFile);
    running.push(second);
    const [id] = ids as [string];
    await approve(links.get(id) as string);
    const tokens = await poll(url, auth, id);
    expect(tokens.status).toBe(200);
    expect(tokens.body.id_token).toBeDefined();
    expect((await poll(url, auth, ids[1] as string)).body.error).toBe('authorization_pending');
  }, 60_000);

  it('exits 1 at the deadline when a request never finishes', async () => {
    const op = running[1] as RunningOp;
    const stuck = postForm(`${url}/bc-authorize`, { scope: 'openid', login_hint: 'sam' }, auth).catch((err: unknown) => err);
    await until(() => held.length === 1, 'the request to reach the gate');
    const signalled = Date.now();
    op.child.kill('SIGTERM');
    const { code, at } = await op.exited;
    expect(code).toBe(1);
    expect(at - signalled).toBeGreaterThanOrEqual(DEADLINE_SEC * 1000 - 100);
    expect(at - signalled).toBeLessThan(DEADLINE_SEC * 1000 + 2000);
    expect(op.lines).toContainEqual(expect.objectContaining({ msg: 'shutdown deadline passed: exiting with work unfinished' }));
    await stuck;
  }, 30_000);
});
