/**
 * `npm run bench`: our OP and oidc-provider side by side in one run. For every round and phase
 * each server is started fresh as a child process on 127.0.0.1, loaded by a separate process
 * (bench/load.ts) and stopped; ours and theirs alternate so both see the same machine weather.
 * Prints the medians table and writes it, with every run, under bench/out/.
 *
 * Settings (environment): BENCH_ROUNDS (3), BENCH_WARMUP_SECONDS (2), BENCH_SECONDS (8),
 * BENCH_CONCURRENCY (64), BENCH_FLOWS (256, also for ping-flows), BENCH_POLL_POOL (20000), BENCH_PHASES
 * (bc-authorize,polls,flows,ping-flows), BENCH_OP_ROOT (another build of our OP, e.g. a snapshot of a
 * commit while the working tree is being edited), BENCH_PROFILE (servers whose measured windows are CPU-profiled,
 * e.g. ciba-op; profiles land in bench/out/profiles/, summarise them with bench/profile-top.ts).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildServers } from './build-servers.js';
import { PingSetup } from './ping.js';
import { OP_ROOT_ENV, type PhaseName, type ServerKind } from './protocol.js';
import { intEnv, PROFILE_DIR, runOnce } from './run-once.js';
import { machine, markdown, medians, ms, type BenchSettings, type RunRecord } from './report.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const SERVERS: readonly ServerKind[] = ['ciba-op', 'oidc-provider'];
const PHASES: readonly PhaseName[] = ['bc-authorize', 'polls', 'flows', 'ping-flows'];

function phasesFromEnv(): PhaseName[] {
  const raw = process.env.BENCH_PHASES;
  if (!raw) return [...PHASES];
  const picked = raw.split(',').map((p) => p.trim());
  for (const p of picked) if (!PHASES.includes(p as PhaseName)) throw new Error(`BENCH_PHASES: unknown phase ${p}`);
  return picked as PhaseName[];
}

function profiledServers(): Set<string> {
  const raw = process.env.BENCH_PROFILE ?? '';
  const servers = new Set(raw.split(',').map((s) => s.trim()).filter(Boolean));
  for (const s of servers) if (!SERVERS.includes(s as ServerKind)) throw new Error(`BENCH_PROFILE: unknown server ${s}`);
  return servers;
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
  const pingSetup = phases.includes('ping-flows') ? PingSetup.create() : null;
  const runs: RunRecord[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    for (const phase of phases) {
      for (const server of SERVERS) {
        const ping = phase === 'ping-flows' ? await (pingSetup as PingSetup).forRun() : null;
        const record = await runOnce(round, server, launchers[server], {
          phase,
          warmupMs: settings.warmupSec * 1000,
          measureMs: settings.measureSec * 1000,
          concurrency: settings.concurrency,
          flows: settings.flows,
          pollPool: settings.pollPool,
          ...(ping ? { ping: ping.ping } : {}),
        }, profile.has(server), ping ? { env: ping.env } : {});
        runs.push(record);
        console.error(progress(record));
      }
    }
  }
  pingSetup?.remove();
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
