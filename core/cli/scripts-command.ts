/**
 * `ciba-op scripts …`: the operator's side of interception scripts. Every subcommand but
 * `check` talks to a running OP's admin API (`--url`/CIBA_OP_ADMIN_URL, `--token`/
 * CIBA_OP_ADMIN_TOKEN); `check` type-checks locally. `--json` prints machine-readable output.
 */
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { isHookName } from '../hooks/schemas.js';
import { CliError, adminCommand, call, connection, print, readFile, readJsonFile, readStdin } from './admin-client.js';

/** A file named after its hook (resolveLoginHint.ts) needs no --hook. */
function hookFor(file: string, given: string | undefined): string {
  const hook = given ?? basename(file, extname(file));
  if (!isHookName(hook)) throw new CliError(`unknown hook ${hook}: pass --hook resolveLoginHint|validateUserCode|validateBindingMessage|notifyEndUser`);
  return hook;
}

interface ScriptRow {
  name: string;
  hook: string;
  activeVersion: number | null;
  latestVersion: number;
  errorCount: number;
  lastError: { message: string } | null;
  quarantine: { reason: string } | null;
}

export function scriptsCommand(): Command {
  const scripts = adminCommand('scripts', 'manage interception scripts');

  scripts
    .command('check <files...>')
    .description('type-check scripts against scripts/ciba-script.d.ts')
    .option('--hook <hook>', 'the hook they implement (default: each file name)')
    .action(async (files: string[], opts: { hook?: string }, command: Command) => {
      // The TypeScript compiler takes a second to load: only `check` pays for it.
      const { typeCheckScript } = await import('../scripts/typecheck.js');
      const json = command.optsWithGlobals<{ json?: boolean }>().json ?? false;
      const results = files.map((file) => ({ file, problems: typeCheckScript(readFile(file), hookFor(file, opts.hook)) }));
      const ok = results.every((r) => r.problems.length === 0);
      print({ json }, { ok, results }, () =>
        results
          .map(({ file, problems }) =>
            problems.length === 0 ? `${file}: ok` : problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`).join('\n'),
          )
          .join('\n'),
      );
      if (!ok) process.exitCode = 1;
    });

  scripts
    .command('push <file>')
    .description('push a new version of a script')
    .option('--name <name>', 'script name (default: the file name)')
    .option('--hook <hook>', 'the hook it implements (default: the file name)')
    .option('--author <author>', 'recorded with the version', process.env.USER ?? 'cli')
    .option('--activate', 'activate the new version at once')
    .action(async (file: string, opts: { name?: string; hook?: string; author: string; activate?: boolean }, command: Command) => {
      const conn = connection(command);
      const name = opts.name ?? basename(file, extname(file));
      const body = { hook: hookFor(file, opts.hook), source: readFile(file), author: opts.author, activate: opts.activate ?? false };
      const out = await call<{ version: { version: number } }>(conn, 'POST', `/admin/scripts/${encodeURIComponent(name)}/versions`, body);
      print(conn, out, () => `${name}@${out.version.version} pushed${opts.activate ? ' and activated' : ''}`);
    });

  scripts
    .command('list')
    .description('list scripts and their active versions')
    .action(async (_opts: unknown, command: Command) => {
      const conn = connection(command);
      const out = await call<{ scripts: ScriptRow[] }>(conn, 'GET', '/admin/scripts');
      print(conn, out, () =>
        out.scripts.length === 0
          ? 'no scripts'
          : out.scripts
              .map((s) => `${s.name}\t${s.hook}\tactive=${s.activeVersion ?? '-'}\tlatest=${s.latestVersion}\terrors=${s.errorCount}${s.quarantine ? `\tQUARANTINED: ${s.quarantine.reason}` : ''}`)
              .join('\n'),
      );
    });

  scripts
    .command('show <name>')
    .description('show a script, its active version and its last error')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const conn = connection(command);
      const out = await call<{ script: ScriptRow; active: { source: string } | null }>(conn, 'GET', `/admin/scripts/${encodeURIComponent(name)}`);
      print(conn, out, () =>
        [
          `${out.script.name} (${out.script.hook}) active=${out.script.activeVersion ?? '-'} latest=${out.script.latestVersion} errors=${out.script.errorCount}`,
          out.script.lastError ? `last error: ${out.script.lastError.message}` : '',
          out.script.quarantine ? `quarantined: ${out.script.quarantine.reason}` : '',
          out.active ? `\n${out.active.source}` : '',
        ].filter(Boolean).join('\n'),
      );
    });

  scripts
    .command('history <name>')
    .description('list the versions of a script, newest first')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const conn = connection(command);
      const out = await call<{ versions: Array<{ version: number; author: string; createdAt: number; checksum: string }> }>(
        conn,
        'GET',
        `/admin/scripts/${encodeURIComponent(name)}/versions`,
      );
      print(conn, out, () => out.versions.map((v) => `${v.version}\t${new Date(v.createdAt).toISOString()}\t${v.author}\t${v.checksum.slice(0, 12)}`).join('\n'));
    });

  scripts
    .command('activate <name> <version>')
    .description('activate a version (roll forward or back); "none" returns the hook to its built-in')
    .action(async (name: string, version: string, _opts: unknown, command: Command) => {
      const conn = connection(command);
      const number = version === 'none' ? null : Number(version);
      if (number !== null && !Number.isInteger(number)) throw new CliError('version must be a whole number or "none"');
      const out = await call(conn, 'POST', `/admin/scripts/${encodeURIComponent(name)}/activate`, { version: number });
      print(conn, out, () => (number === null ? `${name} deactivated` : `${name}@${number} active`));
    });

  scripts
    .command('test <name>')
    .description('dry-run a script with sample input: capability calls are recorded, not performed')
    .requiredOption('--input <file>', 'JSON file with the hook input')
    .option('--version <n>', 'a stored version (default: the active one)')
    .option('--file <file>', 'unsaved source to try instead of a stored version')
    .option('--hook <hook>', 'the hook, when trying source under a new name')
    .action(async (name: string, opts: { input: string; version?: string; file?: string; hook?: string }, command: Command) => {
      const conn = connection(command);
      const body: Record<string, unknown> = { input: readJsonFile(opts.input) };
      if (opts.version) body.version = Number(opts.version);
      if (opts.file) body.source = readFile(opts.file);
      if (opts.hook) body.hook = opts.hook;
      const out = await call<{
        ok: boolean;
        result?: unknown;
        error?: { message: string };
        calls: unknown[];
        logs: unknown[];
        durationUs: number;
      }>(conn, 'POST', `/admin/scripts/${encodeURIComponent(name)}/test`, body);
      print(conn, out, () =>
        [
          out.ok ? `result: ${JSON.stringify(out.result)}` : `FAILED: ${out.error?.message ?? ''}`,
          `calls (${out.calls.length}):`,
          ...out.calls.map((c) => `  ${JSON.stringify(c)}`),
          `logs (${out.logs.length}):`,
          ...out.logs.map((l) => `  ${JSON.stringify(l)}`),
          `duration: ${(out.durationUs / 1000).toFixed(2)} ms`,
        ].join('\n'),
      );
      if (!out.ok) process.exitCode = 1;
    });

  const secrets = scripts.command('secrets').description("manage a script's secrets (api.secrets.get)");
  secrets
    .command('set <script> <name>')
    .description('set a secret; the value is read from stdin so it stays out of shell history')
    .action(async (script: string, name: string, _opts: unknown, command: Command) => {
      const conn = connection(command);
      const value = await readStdin();
      await call(conn, 'PUT', `/admin/scripts/${encodeURIComponent(script)}/secrets/${encodeURIComponent(name)}`, { value });
      print(conn, { ok: true }, () => `${script}: secret ${name} set`);
    });
  secrets
    .command('list <script>')
    .description("list the names of a script's secrets (never their values)")
    .action(async (script: string, _opts: unknown, command: Command) => {
      const conn = connection(command);
      const out = await call<{ secrets: string[] }>(conn, 'GET', `/admin/scripts/${encodeURIComponent(script)}/secrets`);
      print(conn, out, () => out.secrets.join('\n') || 'no secrets');
    });
  secrets
    .command('delete <script> <name>')
    .description("delete one of a script's secrets")
    .action(async (script: string, name: string, _opts: unknown, command: Command) => {
      const conn = connection(command);
      await call(conn, 'DELETE', `/admin/scripts/${encodeURIComponent(script)}/secrets/${encodeURIComponent(name)}`);
      print(conn, { ok: true }, () => `${script}: secret ${name} deleted`);
    });

  return scripts;
}
