/**
 * The outbox survives a crash: an OP process is killed with SIGKILL while its callback is in
 * flight (the receiver holds the request unanswered), a new process starts on the same embedded
 * data dir, takes the entry over once the dead process's lease has run out, and the callback
 * is delivered — once. Both processes load their code up front (test/support/op-process.ts);
 * the second opens the data dir only after the first is dead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../core/paths.js';
import { freePort } from '../support/free-port.js';
import { basic, decideViaLink, postForm } from '../support/op.js';
import { callbackClient, notificationConfig, quiet, startReceiver, waitFor, type Receiver } from '../support/callbacks.js';

interface Child {
  process: ChildProcess;
  /** Every JSON log line the process wrote so far. */
  lines: Array<Record<string, unknown>>;
}

function spawnOp(configFile: string): Child {
  const child: Child = {
    process: spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', fromRoot('test', 'support', 'op-process.ts'), configFile], {
      cwd: fromRoot(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
    lines: [],
  };
  let rest = '';
  child.process.stdout?.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString('utf8');
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      try {
        child.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  return child;
}

const said = (child: Child, msg: string) => child.lines.some((l) => l.msg === msg);

async function startOp(child: Child): Promise<void> {
  await waitFor(() => said(child, 'loaded'), 'the OP process to load', 40_000);
  child.process.stdin?.write('start\n');
  await waitFor(() => said(child, 'ciba-op listening'), 'the OP to listen', 20_000);
}

describe('an OP process killed after approval', () => {
  const children: ChildProcess[] = [];
  let receiver: Receiver | undefined;
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await receiver?.close();
  });

  it('has its callback delivered by the next process on the same data dir, exactly once', async () => {
    // The first callback is received and never answered: the OP dies with it in flight.
    receiver = await startReceiver((n) => (n === 0 ? 'hang' : 204));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'ciba-crash-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        issuer: url,
        port,
        host: '127.0.0.1',
        store: { type: 'embedded', dataDir: join(dir, 'data') },
        backchannelAuthenticationResponseInterval: 1,
        backchannelClientNotification: notificationConfig({ timeoutMs: 1500, leaseSec: 2 }),
        clients: [callbackClient('survivor', 'ping', receiver.endpoint)],
      }),
    );

    const [first, second] = [spawnOp(configFile), spawnOp(configFile)];
    children.push(first.process, second.process);
    await startOp(first);
    const seeded = await fetch(`${url}/.well-known/openid-configuration`);
    expect(seeded.status).toBe(200);

    const ack = await postForm(
      `${url}/bc-authorize`,
      { scope: 'openid', login_hint: 'demo', client_notification_token: 'crash-token' },
      basic('survivor', 'survivor-secret'),
    );
    const id = ack.body.auth_req_id as string;
    await waitFor(() => first.lines.some((l) => l.authReqId === id && typeof l.verificationLink === 'string'), 'the link');
    const link = first.lines.find((l) => l.authReqId === id && typeof l.verificationLink === 'string')?.verificationLink as string;
    expect((await decideViaLink(link, 'approve')).status).toBe(200);
    await waitFor(() => receiver!.requests.length === 1, 'the callback in flight');
    first.process.kill('SIGKILL');
    await new Promise((resolve) => first.process.once('exit', resolve));

    await startOp(second);
    await waitFor(() => receiver!.delivered().length === 1, 'the callback from the second process', 15_000);
    await quiet(500);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.delivered()).toHaveLength(1);
    expect(receiver.bodies()).toEqual([{ auth_req_id: id }, { auth_req_id: id }]);
    expect(receiver.delivered()[0]?.headers.authorization).toBe('Bearer crash-token');

    // The new process reports the approval to the client as usual.
    const tokens = await postForm(`${url}/token`, { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: id }, basic('survivor', 'survivor-secret'));
    expect(tokens.status).toBe(200);
    second.process.kill('SIGTERM');
    await new Promise((resolve) => second.process.once('exit', resolve));
  }, 60_000);
});
