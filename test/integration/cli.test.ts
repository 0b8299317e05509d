/** The `ciba-op scripts` CLI as an operator runs it: a real subprocess against a real OP. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../core/paths.js';
import { startOp, type TestOp } from '../support/op.js';

const run = promisify(execFile);
const ADMIN = 'c'.repeat(40);

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--no-node-snapshot', '--import', 'tsx', fromRoot('core', 'cli', 'main.ts'), ...args], {
      cwd: fromRoot(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Every CLI run is a fresh Node process compiling TypeScript through tsx: seconds each.
const SLOW = 90_000;

describe('ciba-op scripts check', () => {
  it('accepts every bundled default script', async () => {
    const defaults = readdirSync(fromRoot('scripts')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    expect(defaults.length).toBeGreaterThanOrEqual(4);
    const out = await cli(['scripts', 'check', ...defaults.map((file) => fromRoot('scripts', file))]);
    expect(out.code, `${out.stdout}${out.stderr}`).toBe(0);
    expect(out.stdout.trim().split('\n')).toEqual(defaults.map((file) => `${fromRoot('scripts', file)}: ok`));
  }, SLOW);

  it('rejects a script with a type error, naming file, line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciba-cli-'));
    const file = join(dir, 'resolveLoginHint.ts');
    writeFileSync(file, `import type { ResolveLoginHint } from 'ciba-op/script';\nexport const resolveLoginHint: ResolveLoginHint = async (ctx) => {\n  const n: number = ctx.value;\n  return { sub: String(n) };\n};\n`);
    const out = await cli(['scripts', 'check', file]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`${file}:3:9: Type 'string' is not assignable to type 'number'.`);
  });
});

describe('ciba-op scripts against a running OP', () => {
  let t: TestOp;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    t = await startOp({ config: { adminToken: ADMIN, scripts: { workers: 1 } } });
    env = { CIBA_OP_ADMIN_URL: t.url, CIBA_OP_ADMIN_TOKEN: ADMIN };
    dir = mkdtempSync(join(tmpdir(), 'ciba-cli-'));
  });
  afterAll(() => t.close());

  it('pushes, lists, shows, tests, activates and rolls back', async () => {
    const file = join(dir, 'validateBindingMessage.ts');
    writeFileSync(file, `import type { ValidateBindingMessage } from 'ciba-op/script';\nexport const validateBindingMessage: ValidateBindingMessage = async () => ({ ok: true });\n`);
    expect((await cli(['scripts', 'push', file, '--name', 'bm'], env)).stdout).toContain('bm@1 pushed');
    expect((await cli(['scripts', 'push', file, '--name', 'bm', '--activate'], env)).stdout).toContain('bm@2 pushed and activated');

    const list = await cli(['scripts', 'list', '--json'], env);
    expect(JSON.parse(list.stdout).scripts[0]).toMatchObject({ name: 'bm', hook: 'validateBindingMessage', activeVersion: 2, latestVersion: 2 });
    expect((await cli(['scripts', 'history', 'bm'], env)).stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect((await cli(['scripts', 'show', 'bm'], env)).stdout).toContain('active=2');

    const input = join(dir, 'input.json');
    writeFileSync(input, JSON.stringify({ message: 'hi', client: { id: 'c', name: null, logoUri: null } }));
    const tested = await cli(['scripts', 'test', 'bm', '--input', input, '--json'], env);
    expect(JSON.parse(tested.stdout)).toMatchObject({ ok: true, result: { ok: true }, calls: [] });

    expect((await cli(['scripts', 'activate', 'bm', '1'], env)).stdout).toContain('bm@1 active');
    expect((await cli(['scripts', 'activate', 'bm', 'none'], env)).stdout).toContain('bm deactivated');
  }, SLOW);

  it('says clearly what is wrong: no token, unknown script, unreachable OP', async () => {
    const noToken = await cli(['scripts', 'list'], { CIBA_OP_ADMIN_URL: t.url });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('an admin token is required');
    const unknown = await cli(['scripts', 'show', 'nope'], env);
    expect(unknown.stderr).toContain('404 not_found: no script named nope');
    const down = await cli(['scripts', 'list'], { CIBA_OP_ADMIN_URL: 'http://127.0.0.1:1', CIBA_OP_ADMIN_TOKEN: ADMIN });
    expect(down.stderr).toContain('cannot reach http://127.0.0.1:1');
  }, SLOW);
});
