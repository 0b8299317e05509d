/**
 * One measured run: start a server launcher as a child process on 127.0.0.1, let a separate
 * load process (bench/load.ts) run one phase against it, sample the server's processes, stop
 * both. Shared by `npm run bench` (bench/run.ts) and `npm run bench:scripts`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { OP_NODE_FLAGS } from '../core/cli/node-flags.js';
import { freePort } from '../test/support/free-port.js';
import { fileURLToPath } from 'node:url';
import { ProcSampler } from './proc.js';
import {
  LOAD_SETTINGS_ENV,
  PORT_ENV,
  type LoadMessage,
  type LoadResult,
  type LoadSettings,
  type ProfileCommand,
  type ServerKind,
  type ServerMessage,
} from './protocol.js';
import type { RunRecord } from './report.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
export const PROFILE_DIR = here('./out/profiles');
const START_TIMEOUT_MS = 60_000;
/** Beyond warm-up and window: pool creation, draining in-flight flows, slack. */
const RUN_SLACK_MS = 90_000;
const STOP_GRACE_MS = 3_000;
const PROFILE_WRITE_TIMEOUT_MS = 30_000;

/** What a caller may add to a run: launcher environment, and work between start and load. */
export interface RunExtras {
  env?: Record<string, string>;
  /** Runs once the server is ready, before the load starts (e.g. pushing scripts). */
  prepare?: (url: string, pid: number) => Promise<void>;
}

/** A positive integer setting from the environment. */
export function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** Keeps the last few KB of a child's stderr, shown only if the run fails. */
function stderrTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  });
  return () => tail;
}

/**
 * Bare node, like production: no TypeScript loader in the measured process. Our OP gets the
 * flags `npm start` gives it; oidc-provider runs with Node's defaults, as its own users start it.
 */
function nodeFlagsFor(server: ServerKind): string[] {
  return server === 'ciba-op' ? [...OP_NODE_FLAGS] : [];
}

export async function startServer(
  server: ServerKind,
  path: string,
  extraEnv: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const env = { ...process.env, ...extraEnv, [PORT_ENV]: String(await freePort()) };
  const child = fork(path, [], { env, execArgv: nodeFlagsFor(server), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const stderr = stderrTail(child);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${stderr()}`)), START_TIMEOUT_MS);
    child.on('message', (m: ServerMessage) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve(m.url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${stderr()}`));
    });
  });
  return { child, url, stderr };
}

/** Closing the IPC channel makes a child exit by itself; one that does not is killed. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    if (child.connected) child.disconnect();
    else child.kill('SIGTERM');
  });
}

export async function runOnce(
  round: number,
  server: ServerKind,
  launcher: string,
  load: Omit<LoadSettings, 'url'>,
  profile: boolean,
  extras: RunExtras = {},
): Promise<RunRecord> {
  const { child, url, stderr } = await startServer(server, launcher, extras.env);
  try {
    await extras.prepare?.(url, child.pid as number);
  } catch (err) {
    await stop(child);
    throw err;
  }
  const profileFile = `${PROFILE_DIR}/${server}-${load.phase}-r${round}.cpuprofile`;
  // Settles when the profile is written — or cannot be any more.
  const profiled = new Promise<void>((resolve) => {
    if (!profile) return resolve();
    mkdirSync(PROFILE_DIR, { recursive: true });
    child.on('message', (m: ServerMessage) => m.type === 'profiled' && resolve());
    child.once('exit', () => resolve());
    setTimeout(resolve, PROFILE_WRITE_TIMEOUT_MS).unref();
  });
  const sampler = new ProcSampler(child.pid as number);
  const settings: LoadSettings = { ...load, url };
  const loader = fork(here('./load.ts'), [], {
    env: { ...process.env, [LOAD_SETTINGS_ENV]: JSON.stringify(settings) },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Links only matter to the flows phases; elsewhere relaying them would just cost CPU.
  if (load.phase === 'flows' || load.phase === 'ping-flows') {
    child.on('message', (m: ServerMessage) => {
      if (m.type === 'links' && loader.connected) loader.send(m);
    });
  }
  let driverCpuAtStart = process.cpuUsage();
  let driverCpu = Number.NaN;
  try {
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('run did not finish in time')), load.warmupMs + load.measureMs + RUN_SLACK_MS);
      loader.on('message', (m: LoadMessage) => {
        if (m.type === 'window' && m.edge === 'start') {
          sampler.windowOpened();
          driverCpuAtStart = process.cpuUsage();
          if (profile) child.send({ type: 'profile', action: 'start' } satisfies ProfileCommand);
        } else if (m.type === 'window') {
          sampler.windowClosed();
          if (profile) child.send({ type: 'profile', action: 'stop', file: profileFile } satisfies ProfileCommand);
          const used = process.cpuUsage(driverCpuAtStart);
          driverCpu = (used.user + used.system) / (load.measureMs * 1000);
        } else {
          clearTimeout(timer);
          resolve(m.result);
        }
      });
      loader.once('exit', (code) => reject(new Error(`load exited with ${code} without a result`)));
      child.once('exit', (code) => reject(new Error(`server exited with ${code} during the run:\n${stderr()}`)));
    });
    const record: RunRecord = { ...result, round, server, ...sampler.stop(), driverCpu };
    await profiled;
    return record;
  } finally {
    sampler.stop();
    await Promise.all([stop(loader), stop(child)]);
  }
}
