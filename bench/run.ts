/**
 * `npm run bench`: our OP and oidc-provider side by side in one run. For every round and phase
 * each server is started fresh as a child process on 127.0.0.1, loaded by a separate process
 * (bench/load.ts) and stopped; ours and theirs alternate so both see the same machine weather.
 * Prints the medians table and writes it, with every run, under bench/out/.
 *
 * Settings (environment): BENCH_ROUNDS (3), BENCH_WARMUP_SECONDS (2), BENCH_SECONDS (8),
 * BENCH_CONCURRENCY (64), BENCH_FLOWS (256), BENCH_POLL_POOL (20000), BENCH_PHASES
 * (bc-authorize,polls,flows), BENCH_OP_ROOT (another build of our OP, e.g. a snapshot of a
 * commit while the working tree is being edited), BENCH_PROFILE (servers whose measured windows are CPU-profiled,
 * e.g. ciba-op; profiles land in bench/out/profiles/, summarise them with bench/profile-top.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildServers } from './build-servers.js';
import { ProcSampler } from './proc.js';
import {
  LOAD_SETTINGS_ENV,
  OP_ROOT_ENV,
  PORT_ENV,
  type LoadMessage,
  type LoadResult,
  type LoadSettings,
  type PhaseName,
  type ProfileCommand,
  type ServerKind,
  type ServerMessage,
} from './protocol.js';
import { machine, markdown, medians, ms, type BenchSettings, type RunRecord } from './report.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const SERVERS: readonly ServerKind[] = ['ciba-op', 'oidc-provider'];
const PHASES: readonly PhaseName[] = ['bc-authorize', 'polls', 'flows'];
const PROFILE_DIR = here('./out/profiles');
const START_TIMEOUT_MS = 60_000;
/** Beyond warm-up and window: pool creation, draining in-flight flows, slack. */
const RUN_SLACK_MS = 90_000;
const STOP_GRACE_MS = 3_000;
const PROFILE_WRITE_TIMEOUT_MS = 30_000;

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

function phasesFromEnv(): PhaseName[] {
  const raw = process.env.BENCH_PHASES;
  if (!raw) return [...PHASES];
  const picked = raw.split(',').map((p) => p.trim());
  for (const p of picked) if (!PHASES.includes(p as PhaseName)) throw new Error(`BENCH_PHASES: unknown phase ${p}`);
  return picked as PhaseName[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Keeps the last few KB of a child's stderr, shown only if the run fails. */
function stderrTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  });
  return () => tail;
}

function profiledServers(): Set<string> {
  const raw = process.env.BENCH_PROFILE ?? '';
  const servers = new Set(raw.split(',').map((s) => s.trim()).filter(Boolean));
  for (const s of servers) if (!SERVERS.includes(s as ServerKind)) throw new Error(`BENCH_PROFILE: unknown server ${s}`);
  return servers;
}

async function startServer(path: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const env = { ...process.env, [PORT_ENV]: String(await freePort()) };
  // Bare node, like production: no TypeScript loader in the measured process.
  const child = fork(path, [], { env, execArgv: ['--no-node-snapshot'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const stderr = stderrTail(child);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in time')), START_TIMEOUT_MS);
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
function stop(child: ChildProcess): Promise<void> {
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

async function runOnce(
  round: number,
  server: ServerKind,
  launcher: string,
  load: Omit<LoadSettings, 'url'>,
  profile: boolean,
): Promise<RunRecord> {
  const { child, url, stderr } = await startServer(launcher);
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
  // Links only matter to the flows phase; elsewhere relaying them would just cost CPU.
  if (load.phase === 'flows') {
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

function progress(r: RunRecord): string {
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  const waits = r.poolWaits ? `  pool waits ${r.poolWaits}: rate capped by BENCH_POLL_POOL` : '';
  return `round ${r.round} ${r.phase.padEnd(12)} ${r.server.padEnd(13)} ${r.perSec.toFixed(0).padStart(7)}/s  p50 ${ms(r.p50Us)} ms  p99 ${ms(r.p99Us)} ms  peak RSS ${r.peakRssMb.toFixed(0)} MB  server CPU ${(r.serverCpu * 100).toFixed(0)} %  errors ${errors}${waits}`;
}

async function main(): Promise<void> {
  const opRoot = process.env[OP_ROOT_ENV] || here('..');
  if (!existsSync(`${opRoot}/dist/core/op.js`)) throw new Error(`${opRoot}/dist is missing: run \`npm run build\` first (npm run bench does)`);
  const settings: BenchSettings = {
    rounds: intEnv('BENCH_ROUNDS', 3),
    warmupSec: intEnv('BENCH_WARMUP_SECONDS', 2),
    measureSec: intEnv('BENCH_SECONDS', 8),
    concurrency: intEnv('BENCH_CONCURRENCY', 64),
    flows: intEnv('BENCH_FLOWS', 256),
    pollPool: intEnv('BENCH_POLL_POOL', 20_000),
  };
  const phases = phasesFromEnv();
  const profile = profiledServers();
  const started = new Date();
  const machineInfo = machine(process.env[OP_ROOT_ENV] || null);
  const launchers = await buildServers();
  const runs: RunRecord[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    for (const phase of phases) {
      for (const server of SERVERS) {
        const record = await runOnce(round, server, launchers[server], {
          phase,
          warmupMs: settings.warmupSec * 1000,
          measureMs: settings.measureSec * 1000,
          concurrency: settings.concurrency,
          flows: settings.flows,
          pollPool: settings.pollPool,
        }, profile.has(server));
        runs.push(record);
        console.error(progress(record));
      }
    }
  }
  const report = markdown(runs, settings, started, machineInfo);
  const outDir = here('./out');
  mkdirSync(outDir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeFileSync(`${outDir}/results-${stamp}.md`, report);
  writeFileSync(`${outDir}/results-${stamp}.json`, JSON.stringify({ started, settings, runs }, null, 2));
  console.log(`\n${medians(runs)}\n\nFull report: bench/out/results-${stamp}.md`);
  if (profile.size) console.log(`CPU profiles: ${PROFILE_DIR}`);
}

main().catch((err: unknown) => {
  console.error('bench:', err);
  process.exit(1);
});
