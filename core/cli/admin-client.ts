/**
 * What every `ciba-op` subcommand that talks to a running OP shares: the `--url`, `--token` and
 * `--json` options, the one HTTP helper for the admin API, output, and reading files and stdin.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';

export class CliError extends Error {}

export interface Connection {
  url: string;
  token: string;
  json: boolean;
}

/** A command group whose subcommands call the admin API. */
export function adminCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .option('--url <url>', 'admin API base URL (CIBA_OP_ADMIN_URL, default http://127.0.0.1:3000)')
    .option('--token <token>', 'admin bearer token (CIBA_OP_ADMIN_TOKEN)')
    .option('--json', 'machine-readable output');
}

export function connection(command: Command): Connection {
  const opts = command.optsWithGlobals<{ url?: string; token?: string; json?: boolean }>();
  const url = opts.url ?? process.env.CIBA_OP_ADMIN_URL ?? 'http://127.0.0.1:3000';
  const token = opts.token ?? process.env.CIBA_OP_ADMIN_TOKEN;
  if (!token) throw new CliError('an admin token is required: --token or CIBA_OP_ADMIN_TOKEN');
  return { url: url.replace(/\/$/, ''), token, json: opts.json ?? false };
}

export async function call<T = Record<string, unknown>>(conn: Connection, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${conn.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${conn.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new CliError(`cannot reach ${conn.url}: ${(err as Error).message}`);
  }
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) throw new CliError(`${res.status} ${String(parsed.error ?? '')}: ${String(parsed.error_description ?? text)}`);
  return parsed as T;
}

/** One admin API call: what a subcommand's arguments and options turn into. */
export interface ApiCall {
  method: string;
  path: string;
  body?: unknown;
}

/**
 * The action of a subcommand that makes one admin API call and prints the answer: as JSON with
 * `--json`, else as `human` renders it. Commander passes the positional arguments, the options
 * and the command itself.
 */
export function apiAction<T, O = Record<string, unknown>>(
  request: (args: string[], opts: O) => ApiCall | Promise<ApiCall>,
  human: (out: T, args: string[], opts: O) => string,
) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params.at(-1) as Command;
    const opts = params.at(-2) as O;
    const args = params.slice(0, -2) as string[];
    const conn = connection(command);
    const { method, path, body } = await request(args, opts);
    const out = await call<T>(conn, method, path, body);
    print(conn, out, () => human(out, args, opts));
  };
}

export function print(conn: Pick<Connection, 'json'>, value: unknown, human: () => string): void {
  process.stdout.write(conn.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

export function readFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function readJsonFile(file: string): unknown {
  const text = readFile(file);
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON`);
  }
}

/** Secrets come from stdin so they stay out of shell history and `ps`; one trailing newline is dropped. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function when(epochMs: number | null): string {
  return epochMs === null ? '-' : new Date(epochMs).toISOString();
}
