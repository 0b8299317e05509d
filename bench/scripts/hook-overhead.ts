/**
 * (a) What a hook costs through the sandbox: a trivial validateBindingMessage script called
 * through a SandboxPool (OP → worker process → isolate and back), against the built-in
 * called directly. Sequential calls after a warm-up, so each latency is one call alone.
 * Started by bench/scripts/run.ts (`node --no-node-snapshot --import tsx`), which gets the
 * result over IPC; run by hand it prints it.
 */
import { BuiltinHookRunner, type BuiltinDeps } from '../../core/hooks/builtins.js';
import type { HookInputs } from '../../core/hooks/types.js';
import { compileScript, SandboxPool, type LoadedScript } from '../../core/sandbox/index.js';
import { percentile } from '../stats.js';

export interface OverheadResult {
  calls: number;
  sandbox: { p50Us: number; p99Us: number };
  builtin: { p50Us: number; p99Us: number };
}

const CALLS = 5_000;
const WARMUP_CALLS = 500;
const INPUT: HookInputs['validateBindingMessage'] = { message: 'B1', client: { id: 'bench', name: 'Bench RP', logoUri: null } };
const SOURCE = `export const validateBindingMessage = async () => ({ ok: true });`;

async function timed(call: () => Promise<unknown>): Promise<{ p50Us: number; p99Us: number }> {
  for (let i = 0; i < WARMUP_CALLS; i++) await call();
  const us = new Float64Array(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const start = process.hrtime.bigint();
    await call();
    us[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  return { p50Us: percentile(us, 0.5), p99Us: percentile(us, 0.99) };
}

async function main(): Promise<OverheadResult> {
  const compiled = compileScript('bench-trivial', 1, SOURCE);
  const script: LoadedScript = { name: 'bench-trivial', version: 1, hook: 'validateBindingMessage', code: compiled.code, sourceMap: compiled.sourceMap };
  // The trivial hook makes no capability calls; one would be a bug in this bench.
  const pool = new SandboxPool({}, () => Promise.reject(new Error('no capabilities in this bench')));
  await pool.start();
  try {
    const sandbox = await timed(async () => {
      const result = await pool.call(script, INPUT);
      if (!result.ok) throw new Error(`sandbox call failed: ${result.error.message}`);
    });
    // validateBindingMessage's built-in touches none of its dependencies.
    const builtins = new BuiltinHookRunner({} as BuiltinDeps);
    const builtin = await timed(() => builtins.run('validateBindingMessage', INPUT));
    return { calls: CALLS, sandbox, builtin };
  } finally {
    await pool.close();
  }
}

const result = await main();
if (process.send) process.send(result);
else console.log(JSON.stringify(result, null, 2));
