/**
 * `npm run bench:scripts`: what interception scripts cost (issue 3, "Benchmark").
 * (a) per-call overhead of a trivial hook through the sandbox vs the built-in (hook-overhead.ts,
 * in a process of its own, BENCH_OVERHEAD_RUNS times: its p50 moves by ±20 % from one process to
 * the next here, more than within one, so the median of the runs is what counts), each run
 * followed by one with busy-polling off (scripts.spinMicros 0) to show what polling buys; (b) bc-authorize req/s with the bundled resolveLoginHint,
 * validateUserCode and validateBindingMessage scripts active vs the built-ins, our OP from dist/
 * loaded by bench/load.ts, the two alternating per round; (c) RSS growth per script version
 * (memory.ts). Prints a markdown section and writes it under bench/out/.
 *
 * Settings (environment): BENCH_ROUNDS (3), BENCH_WARMUP_SECONDS (2), BENCH_SECONDS (8),
 * BENCH_CONCURRENCY (8), BENCH_OVERHEAD_RUNS (7).
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildServers } from '../build-servers.js';
import { USER_CODES_ENV } from '../protocol.js';
import { loadAverage, machine, ms, type RunRecord } from '../report.js';
import { intEnv, runOnce } from '../run-once.js';
import { median } from '../stats.js';
import { activateBundled } from './admin.js';
import type { Latency, OverheadResult } from './hook-overhead.js';
import { measureMemory, type MemoryResult } from './memory.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const MODES = ['built-in', 'scripted'] as const;
type Mode = (typeof MODES)[number];
/**
 * Each request checks its user_code with scrypt (the built-in and the bundled script alike),
 * so the OP manages tens of requests per second here, not thousands: 64 in flight would only
 * queue for seconds and run into the sandbox's 2 s call deadline.
 */
const CONCURRENCY = 8;
const TARGETS = { overheadP50Us: 150, throughputShare: 0.8, perVersionMb: 5 } as const;

/** `spinMicros`: the pool's polling window; undefined for its default. */
function overheadOnce(spinMicros?: number): Promise<OverheadResult> {
  const env = spinMicros === undefined ? process.env : { ...process.env, SPIN_MICROS: String(spinMicros) };
  const child = fork(here('./hook-overhead.ts'), [], { env, execArgv: ['--no-node-snapshot', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: OverheadResult) => resolve(m));
    child.once('exit', (code) => reject(new Error(`hook-overhead exited with ${code} without a result`)));
  });
}

interface OverheadRuns {
  median: OverheadResult;
  p50s: number[];
}

/** The median of each figure over `runs`, and every run's p50. */
function summary(runs: OverheadResult[]): OverheadRuns {
  const of = (pick: (r: OverheadResult) => number): number => median(runs.map(pick));
  const latency = (pick: (r: OverheadResult) => Latency): Latency => ({
    p50Us: of((r) => pick(r).p50Us),
    p95Us: of((r) => pick(r).p95Us),
    p99Us: of((r) => pick(r).p99Us),
  });
  return {
    median: {
      calls: runs[0]?.calls ?? 0,
      sandbox: latency((r) => r.sandbox),
      builtin: latency((r) => r.builtin),
      cpuPerCallUs: { op: of((r) => r.cpuPerCallUs?.op ?? Number.NaN), workers: of((r) => r.cpuPerCallUs?.workers ?? Number.NaN) },
    },
    p50s: runs.map((r) => r.sandbox.p50Us),
  };
}

/**
 * (a) over several processes, one after the other, each run with the default configuration
 * followed by one with busy-polling off, so both see the same minutes of this machine.
 */
async function overhead(): Promise<{ polling: OverheadRuns; off: OverheadRuns }> {
  const polling: OverheadResult[] = [];
  const off: OverheadResult[] = [];
  for (let run = 1; run <= intEnv('BENCH_OVERHEAD_RUNS', 7); run++) {
    for (const [label, spinMicros, runs] of [['default', undefined, polling], ['polling off', 0, off]] as const) {
      const r = await overheadOnce(spinMicros);
      const cpu = `CPU per call OP ${us(r.cpuPerCallUs?.op ?? Number.NaN)} µs, workers ${us(r.cpuPerCallUs?.workers ?? Number.NaN)} µs`;
      console.error(`(a) run ${run} ${label}: sandbox p50 ${us(r.sandbox.p50Us)} µs p95 ${us(r.sandbox.p95Us)} µs p99 ${us(r.sandbox.p99Us)} µs; built-in p50 ${us(r.builtin.p50Us)} µs; ${cpu}`);
      runs.push(r);
    }
  }
  return { polling: summary(polling), off: summary(off) };
}

async function throughput(launcher: string): Promise<Record<Mode, RunRecord[]>> {
  const runs: Record<Mode, RunRecord[]> = { 'built-in': [], scripted: [] };
  const load = {
    phase: 'bc-authorize-user-code' as const,
    warmupMs: intEnv('BENCH_WARMUP_SECONDS', 2) * 1000,
    measureMs: intEnv('BENCH_SECONDS', 8) * 1000,
    concurrency: intEnv('BENCH_CONCURRENCY', CONCURRENCY),
    flows: 1,
    pollPool: 1,
  };
  for (let round = 1; round <= intEnv('BENCH_ROUNDS', 3); round++) {
    for (const mode of MODES) {
      const prepare = mode === 'scripted' ? activateBundled : undefined;
      const r = await runOnce(round, 'ciba-op', launcher, load, false, { env: { [USER_CODES_ENV]: '1' }, prepare });
      const errors = Object.entries(r.errors).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
      console.error(`round ${round} ${mode.padEnd(8)} ${r.perSec.toFixed(0).padStart(6)}/s  p50 ${ms(r.p50Us)} ms  CPU ${(r.serverCpu * 100).toFixed(0)} %  peak RSS ${r.peakRssMb.toFixed(0)} MB  errors ${errors}`);
      runs[mode].push(r);
    }
  }
  return runs;
}

const us = (v: number): string => v.toFixed(1);
const met = (ok: boolean): string => (ok ? 'met' : '**not met**');

function section(overheads: Awaited<ReturnType<typeof overhead>>, b: Record<Mode, RunRecord[]>, c: MemoryResult, machineInfo: string, loadAtEnd: string): string {
  const { median: a, p50s } = overheads.polling;
  const { median: off, p50s: offP50s } = overheads.off;
  const med = (mode: Mode, pick: (r: RunRecord) => number): number => median(b[mode].map(pick));
  const rate = (mode: Mode): number => med(mode, (r) => r.perSec);
  const perCpu = (mode: Mode): number => med(mode, (r) => r.perSec / r.serverCpu);
  const share = rate('scripted') / rate('built-in');
  const cpuShare = perCpu('scripted') / perCpu('built-in');
  const errors = [...b['built-in'], ...b.scripted].reduce((n, r) => n + Object.values(r.errors).reduce((x, y) => x + y, 0), 0);
  return [
    `| measure | built-in | scripted | result | target | |`,
    `|---|---:|---:|---:|---|---|`,
    `| (a) trivial hook, µs per call p50 (median of ${p50s.length} runs of ${a.calls} sequential calls) | ${us(a.builtin.p50Us)} | ${us(a.sandbox.p50Us)} | overhead ${us(a.sandbox.p50Us - a.builtin.p50Us)} | ≤ ${TARGETS.overheadP50Us} µs | ${met(a.sandbox.p50Us - a.builtin.p50Us <= TARGETS.overheadP50Us)} |`,
    `| (a) trivial hook, µs per call p95 / p99 (median of runs) | ${us(a.builtin.p95Us)} / ${us(a.builtin.p99Us)} | ${us(a.sandbox.p95Us)} / ${us(a.sandbox.p99Us)} | | — | |`,
    `| (a) each run's p50, µs | | ${p50s.map((p) => p.toFixed(0)).join(', ')} | | | |`,
    `| (a) CPU per sandboxed call, µs (median): OP process / workers | | ${us(a.cpuPerCallUs?.op ?? Number.NaN)} / ${us(a.cpuPerCallUs?.workers ?? Number.NaN)} | | | |`,
    `| (a) polling off (scripts.spinMicros 0), µs per call p50 / p95 / p99 (median of runs in between) | | ${us(off.sandbox.p50Us)} / ${us(off.sandbox.p95Us)} / ${us(off.sandbox.p99Us)} | | | |`,
    `| (a) polling off: each run's p50, µs; CPU per call OP / workers | | ${offP50s.map((p) => p.toFixed(0)).join(', ')}; ${us(off.cpuPerCallUs?.op ?? Number.NaN)} / ${us(off.cpuPerCallUs?.workers ?? Number.NaN)} | | | |`,
    `| (b) bc-authorize req/s (median of ${b.scripted.length} rounds) | ${rate('built-in').toFixed(0)} | ${rate('scripted').toFixed(0)} | ${(share * 100).toFixed(0)} % | ≥ ${TARGETS.throughputShare * 100} % | ${met(share >= TARGETS.throughputShare)} |`,
    `| (b) bc-authorize per CPU-second (OP + workers) | ${perCpu('built-in').toFixed(0)} | ${perCpu('scripted').toFixed(0)} | ${(cpuShare * 100).toFixed(0)} % | (same, load-independent view) | ${met(cpuShare >= TARGETS.throughputShare)} |`,
    `| (b) bc-authorize p50 ms | ${ms(med('built-in', (r) => r.p50Us ?? Number.NaN))} | ${ms(med('scripted', (r) => r.p50Us ?? Number.NaN))} | | | |`,
    `| (b) CPU used, cores (OP + workers) | ${med('built-in', (r) => r.serverCpu).toFixed(2)} | ${med('scripted', (r) => r.serverCpu).toFixed(2)} | | | |`,
    `| (c) RSS of ${c.processes} processes, MB, before → after ${c.versions} versions | | ${c.beforeMb.toFixed(1)} → ${c.afterMb.toFixed(1)} | ${c.perVersionMb.toFixed(2)} MB per version | ≤ ${TARGETS.perVersionMb} MB | ${met(c.perVersionMb <= TARGETS.perVersionMb)} |`,
    '',
    machineInfo,
    `- Load average at end (1/5/15 min): ${loadAtEnd}`,
    `- Unexpected answers in (b): ${errors}`,
  ].join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(here('../../dist/core/op.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench:scripts does)');
  const started = new Date();
  const machineInfo = machine(null);
  const launcher = (await buildServers())['ciba-op'];
  const a = await overhead();
  console.error(`(a) median of ${a.polling.p50s.length} runs: sandbox p50 ${us(a.polling.median.sandbox.p50Us)} µs (polling off: ${us(a.off.median.sandbox.p50Us)} µs)`);
  const b = await throughput(launcher);
  const c = await measureMemory(launcher);
  const report = section(a, b, c, machineInfo, loadAverage());
  const outDir = here('../out');
  mkdirSync(outDir, { recursive: true });
  const file = `${outDir}/scripts-${started.toISOString().replace(/[:.]/g, '-')}.md`;
  writeFileSync(file, `${report}\n`);
  console.log(`\n${report}\n\nWritten to ${file}`);
}

main().catch((err: unknown) => {
  console.error('bench:scripts:', err);
  process.exit(1);
});
