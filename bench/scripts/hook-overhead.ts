/**
 * (a) What a hook costs through the sandbox: a trivial validateBindingMessage script called
 * through a SandboxPool (OP → worker process → isolate and back), against the built-in
 * called directly. Sequential calls after a warm-up, so each latency is one call alone.
 * The pool and the built-ins come from dist/ (`npm run build`), as in production: workers
 * forked from there run plain JavaScript, with no TypeScript loader in them.
 * Started by bench/scripts/run.ts (`node --no-node-snapshot --import tsx`), which gets the
 * result over IPC; run by hand it prints it. It also prints the CPU each sandboxed call costs in
 * the OP process and in the workers, which a shared, noisy machine disturbs less than latency.
 * CALLS (environment) overrides the 5,000 timed calls, e.g. for a profile.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { BuiltinDeps } from '../../core/hooks/builtins.js';
import type { HookInputs } from '../../core/hooks/types.js';
import type { LoadedScript } from '../../core/sandbox/index.js';
import { percentile } from '../stats.js';

const fromDist = async <T>(module: string): Promise<T> => (await import(new URL(`../../dist/${module}`, import.meta.url).href)) as T;
const { BuiltinHookRunner } = await fromDist<typeof import('../../core/hooks/builtins.js')>('core/hooks/builtins.js');
const { compileScript, SandboxPool } = await fromDist<typeof import('../../core/sandbox/index.js')>('core/sandbox/index.js');

export interface Latency {
  p50Us: number;
  p95Us: number;
  p99Us: number;
}

export interface OverheadResult {
  calls: number;
  sandbox: Latency;
  builtin: Latency;
  /**
   * CPU per sandboxed call, µs, over the timed calls: the OP process (process.cpuUsage, all its
   * threads) and the sandbox workers (every thread's run time from /proc/<pid>/task/<tid>/schedstat,
   * isolate threads included; NaN where /proc is missing). Less sensitive to a noisy machine
   * than latency.
   */
  cpuPerCallUs?: { op: number; workers: number };
}

const CALLS = Number(process.env.CALLS ?? 5_000);
const WARMUP_CALLS = 500;
/** SPIN_MICROS (environment) overrides the pool's polling window (scripts.spinMicros), e.g. 0 to compare. */
const SPIN_MICROS = process.env.SPIN_MICROS === undefined ? undefined : Number(process.env.SPIN_MICROS);
const INPUT: HookInputs['validateBindingMessage'] = { message: 'B1', client: { id: 'bench', name: 'Bench RP', logoUri: null } };
const SOURCE = `export const validateBindingMessage = async () => ({ ok: true });`;

/** Nanoseconds the threads of `pids` have run, from /proc (NaN without it). */
function runNs(pids: number[]): number {
  let total = 0;
  try {
    for (const pid of pids) {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      }
    }
  } catch {
    return Number.NaN;
  }
  return total;
}

async function timed(call: () => Promise<unknown>, cpu?: { workers: () => number[]; out: { op: number; workers: number } }): Promise<Latency> {
  for (let i = 0; i < WARMUP_CALLS; i++) await call();
  const us = new Float64Array(CALLS);
  const pids = cpu?.workers() ?? [];
  const opStart = process.cpuUsage();
  const workersStart = runNs(pids);
  for (let i = 0; i < CALLS; i++) {
    const start = process.hrtime.bigint();
    await call();
    us[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  if (cpu) {
    const op = process.cpuUsage(opStart);
    cpu.out.op = (op.user + op.system) / CALLS;
    cpu.out.workers = (runNs(pids) - workersStart) / 1000 / CALLS;
  }
  return { p50Us: percentile(us, 0.5), p95Us: percentile(us, 0.95), p99Us: percentile(us, 0.99) };
}

async function main(): Promise<OverheadResult> {
  const compiled = compileScript('bench-trivial', 1, SOURCE);
  const script: LoadedScript = { name: 'bench-trivial', version: 1, hook: 'validateBindingMessage', code: compiled.code, sourceMap: compiled.sourceMap };
  // The trivial hook makes no capability calls; one would be a bug in this bench.
  const pool = new SandboxPool(SPIN_MICROS === undefined ? {} : { spinMicros: SPIN_MICROS }, () => Promise.reject(new Error('no capabilities in this bench')));
  await pool.start();
  try {
    const cpuPerCallUs = { op: Number.NaN, workers: Number.NaN };
    const workers = (): number[] => pool.stats().workers.flatMap((worker) => worker.pid ?? []);
    const sandbox = await timed(async () => {
      const result = await pool.call(script, INPUT);
      if (!result.ok) throw new Error(`sandbox call failed: ${result.error.message}`);
    }, { workers, out: cpuPerCallUs });
    // validateBindingMessage's built-in touches none of its dependencies.
    const builtins = new BuiltinHookRunner({} as BuiltinDeps);
    const builtin = await timed(() => builtins.run('validateBindingMessage', INPUT, { requestId: 'bench' }));
    return { calls: CALLS, sandbox, builtin, cpuPerCallUs };
  } finally {
    await pool.close();
  }
}

const result = await main();
if (process.send) process.send(result);
else console.log(JSON.stringify(result, null, 2));
