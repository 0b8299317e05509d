/**
 * The `ciba-op` operator commands — clients, users, keys, requests — driven in-process through
 * the real command tree against a real OP over HTTP: what they print, human and `--json`, and
 * that every command documents itself for `--help`.
 */
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../core/cli/admin-client.js';
import { buildProgram } from '../../core/cli/program.js';
import { verifySecret } from '../../core/users/password.js';
import { authorize, poll } from '../support/ciba-steps.js';
import { basic, startOp, type TestOp } from '../support/op.js';
import { TEST_CLIENTS } from './clients.js';

const ADMIN = 'cli-admin-token-'.padEnd(40, 'c');

describe('ciba-op operator commands', () => {
  let t: TestOp;

  /** Runs `ciba-op <args>` in-process; stdout as text, and what it threw (a CliError) if anything. */
  async function cli(args: string[], stdin?: string): Promise<{ stdout: string; error?: Error }> {
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const original = Object.getOwnPropertyDescriptor(process, 'stdin') as PropertyDescriptor;
    if (stdin !== undefined) Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(stdin)]), configurable: true });
    try {
      const [group, ...rest] = args;
      await buildProgram().exitOverride().parseAsync([group as string, '--url', t.url, '--token', ADMIN, ...rest], { from: 'user' });
      return { stdout: written.join('') };
    } catch (error) {
      return { stdout: written.join(''), error: error as Error };
    } finally {
      write.mockRestore();
      Object.defineProperty(process, 'stdin', original);
    }
  }
  const json = async (args: string[], stdin?: string) => {
    const out = await cli([...args, '--json'], stdin);
    if (out.error) throw out.error;
    return JSON.parse(out.stdout) as Record<string, any>;
  };

  beforeAll(async () => {
    t = await startOp({ config: { clients: TEST_CLIENTS, adminToken: ADMIN } });
  });
  afterAll(() => t.close());

  it('clients: create from flags, list, show, update, rotate-secret, disable, enable, delete', async () => {
    const created = await json(['clients', 'create', '--client-id', 'kiosk', '--name', 'Kiosk', '--grant-types', 'urn:openid:params:grant-type:ciba', '--delivery-mode', 'poll']);
    expect(created.client.metadata).toMatchObject({ client_name: 'Kiosk', backchannel_token_delivery_mode: 'poll' });
    expect(created.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await cli(['clients', 'list'])).stdout).toMatch(/^kiosk\tadmin\tenabled\tpoll\tKiosk$/m);
    expect((await cli(['clients', 'show', 'kiosk'])).stdout).toContain('"client_name": "Kiosk"');
    expect((await json(['clients', 'update', 'kiosk', '--name', 'Lobby kiosk', '--grant-types', 'urn:openid:params:grant-type:ciba', '--delivery-mode', 'poll'])).metadata.client_name).toBe('Lobby kiosk');

    const rotated = await cli(['clients', 'rotate-secret', 'kiosk']);
    const secret = /new client_secret: (\S+)/.exec(rotated.stdout)?.[1] as string;
    await t.createUser({ sub: 'kim' });
    await authorize(t.url, basic('kiosk', secret), { login_hint: 'kim' });

    expect((await cli(['clients', 'disable', 'kiosk'])).stdout).toBe('kiosk disabled\n');
    expect((await json(['clients', 'show', 'kiosk'])).disabled).toBe(true);
    expect((await cli(['clients', 'enable', 'kiosk'])).stdout).toBe('kiosk enabled\n');
    expect((await cli(['clients', 'delete', 'kiosk'])).stdout).toBe('kiosk deleted\n');
    const gone = await cli(['clients', 'show', 'kiosk']);
    expect(gone.error).toBeInstanceOf(CliError);
    expect(gone.error?.message).toBe('404 not_found: no client kiosk');
  });

  it('users: create, show, update, set-password and set-user-code from stdin, disable, enable, list', async () => {
    expect((await json(['users', 'create', '--username', 'nora', '--sub', 'nora', '--email', 'nora@example.com', '--claims', '{"name":"Nora"}', '--password-stdin'], 'initial-pa55word\n')).hasPassword).toBe(true);
    expect((await cli(['users', 'show', 'nora'])).stdout).toContain('password: set, user code: none');
    expect((await json(['users', 'update', 'nora', '--phone', '+15555550123', '--claims', '{"given_name":"Nora","name":null}'])).claims).toEqual({ given_name: 'Nora' });
    expect((await cli(['users', 'set-password', 'nora'], 'changed-pa55word\n')).stdout).toBe('nora: password set\n');
    expect(await verifySecret('changed-pa55word', (await t.op.context.store.users.get('nora'))?.passwordHash as string)).toBe(true);
    expect((await cli(['users', 'set-user-code', 'nora'], '97531\n')).stdout).toBe('nora: user code set\n');
    expect((await json(['users', 'show', 'nora'])).hasUserCode).toBe(true);
    expect((await json(['users', 'set-user-code', 'nora', '--remove'])).hasUserCode).toBe(false);
    expect((await cli(['users', 'disable', 'nora'])).stdout).toBe('nora disabled\n');
    expect((await cli(['users', 'list'])).stdout).toMatch(/^nora\tnora\tnora@example.com\t\+15555550123\tDISABLED$/m);
    expect((await cli(['users', 'enable', 'nora'])).stdout).toBe('nora enabled\n');
    expect((await cli(['users', 'update', 'nora', '--claims', 'not json'])).error?.message).toContain('--claims must be a JSON object');
  });

  it('keys: list and rotate', async () => {
    expect((await cli(['keys', 'list'])).stdout.trim().split('\n')).toHaveLength(3);
    const rotated = await json(['keys', 'rotate', '--alg', 'PS256']);
    expect(rotated.rotated).toEqual([expect.objectContaining({ alg: 'PS256', retired: [expect.objectContaining({ kid: expect.any(String) })] })]);
    expect((await cli(['keys', 'list'])).stdout).toMatch(new RegExp(`^${rotated.rotated[0].kid}\\tPS256\\tactive \\(signing\\)\\tpublished`, 'm'));
  });

  it('takes ids that start with a dash (one generated id in 64 does) as ids, not options', async () => {
    expect((await cli(['requests', 'show', '-Zx9_notAnOption'])).error?.message).toMatch(/^404 not_found/);
    expect((await cli(['clients', 'show', '-kiosk'])).error?.message).toBe('404 not_found: no client -kiosk');
  });

  it('still refuses a mistyped option: as an argument too many, or as unknown where arguments are a file list', async () => {
    // Commander's own refusals, thrown instead of exiting; they come before any action runs.
    const parse = (args: string[]) => {
      const program = buildProgram();
      const throwing = (command: Command): void => {
        command.exitOverride();
        command.commands.forEach(throwing);
      };
      throwing(program);
      return program.parseAsync(args, { from: 'user' });
    };
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(parse(['clients', 'show', 'kiosk', '--jsn'])).rejects.toThrow("too many arguments for 'show'");
      await expect(parse(['scripts', 'check', '--hok', 'a.ts'])).rejects.toThrow("unknown option '--hok'");
    } finally {
      stderr.mockRestore();
    }
  });

  it('requests: list by state and client, show, cancel', async () => {
    await t.createUser({ sub: 'omar' });
    const auth = basic('poll', 'poll-secret');
    const id = await authorize(t.url, auth, { login_hint: 'omar', binding_message: 'CLI' });
    expect((await json(['requests', 'list', '--state', 'pending', '--client', 'poll', '--sub', 'omar'])).requests.map((r: { id: string }) => r.id)).toEqual([id]);
    expect((await cli(['requests', 'show', id])).stdout).toContain('binding message: CLI');
    expect((await cli(['requests', 'cancel', id])).stdout).toBe(`${id} cancelled (failed)\n`);
    expect((await poll(t.url, auth, id)).body.error).toBe('access_denied');
    expect((await cli(['requests', 'list', '--state', 'pending', '--sub', 'omar'])).stdout).toBe('no requests\n');
  });

  it('documents every command for --help', () => {
    const unexplained: string[] = [];
    const walk = (command: Command, path: string): void => {
      if (!command.description()) unexplained.push(path);
      for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`);
    };
    walk(buildProgram(), 'ciba-op');
    expect(unexplained).toEqual([]);
    const help = buildProgram().commands.find((c) => c.name() === 'clients')?.helpInformation() ?? '';
    for (const sub of ['list', 'show', 'create', 'update', 'rotate-secret', 'disable', 'enable', 'delete']) expect(help).toContain(sub);
    expect(help).toContain('--json');
  });
});
