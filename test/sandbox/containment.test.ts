/**
 * Hostile and broken scripts fail their own call, with a clear error, while normal calls made
 * at the same time keep succeeding; the test process (the OP) is never hurt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxPool, SandboxResult } from '../../core/sandbox/index.js';
import { hook, script, startPool, valueOf } from './support.js';

let pool: SandboxPool;
let logs: Array<Record<string, unknown>>;
let never: Array<(value: unknown) => void> = [];

beforeAll(async () => {
  ({ pool, logs } = await startPool({ cpuTimeLimitMs: 500, deadlineMs: 1500 }, (call) =>
    // `secrets.get` stands for a capability that never answers.
    call.capability === 'secrets.get' ? new Promise((resolve) => never.push(resolve)) : 'ok',
  ));
});

afterAll(async () => {
  for (const resolve of never) resolve('late');
  never = [];
  await pool?.close();
});

const normal = hook('normal', 1, 'return { n: ctx.n, user: await api.users.find("sub", "u" + ctx.n) };');

/** Runs `hostile` while a stream of normal calls goes on in the same pool; returns both outcomes. */
async function alongsideNormalTraffic(hostile: SandboxResult | Promise<SandboxResult>, on: SandboxPool = pool) {
  await allWorkersUp(on);
  let done = false;
  const hostileCall = Promise.resolve(hostile).finally(() => (done = true));
  const normalResults: SandboxResult[] = [];
  for (let n = 0; !done || normalResults.length < 3; n++) normalResults.push(await on.call(normal, { n }));
  const result = await hostileCall;
  await allWorkersUp(on);
  normalResults.push(await on.call(normal, { n: -1 }));
  for (const normalResult of normalResults) expect(normalResult).toMatchObject({ ok: true, value: { user: 'ok' } });
  return result;
}

async function allWorkersUp(on: SandboxPool): Promise<void> {
  while (!on.stats().workers.every((worker) => worker.ready)) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('CPU', () => {
  it('stops a loop before any await (isolated-vm timeout); the isolate keeps its state', async () => {
    const looper = script('loopFirst', 1, 'h', 'let calls = 0;\nexport async function h(ctx: { spin: boolean }) {\n  calls += 1;\n  if (ctx.spin) while (true) {}\n  return calls;\n}\n');
    const result = await alongsideNormalTraffic(pool.call(looper, { spin: true }));
    expect(result).toMatchObject({ ok: false, error: { kind: 'cpu', message: 'loopFirst@1: exceeded its CPU time limit (500 ms)' } });
    expect(valueOf(await pool.call(looper, { spin: false }))).toBe(2);
  });

  it('stops a loop after an await inside the isolate', async () => {
    const result = await alongsideNormalTraffic(pool.call(hook('loopAfterAwait', 1, 'await null;\nwhile (true) {}'), {}));
    expect(result).toMatchObject({ ok: false, error: { kind: 'cpu' } });
  });

  it('stops a loop resumed by a capability result (watchdog), resetting the isolate', async () => {
    const result = await alongsideNormalTraffic(pool.call(hook('loopAfterCapability', 1, "await api.log('x');\nwhile (true) {}"), {}));
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'cpu', message: 'loopAfterCapability@1: ran more than 500 ms of CPU without yielding; its isolate was reset' },
    });
    expect(logs).toContainEqual(expect.objectContaining({ event: 'sandbox.isolate-reset', script: 'loopAfterCapability@1' }));
  });
});

describe('memory', () => {
  // A pool of its own with a wall-clock deadline far above what these scripts need: on a loaded
  // machine V8 can spend seconds dying of a catastrophic out-of-memory, which must end as the
  // crash it is, not as a timeout. The CPU limit stays low enough for the worker's stall guard
  // (which acts one CPU limit after an entry went quiet) and the CPU timeout to end such an
  // entry well within the deadline, and high enough (2x what a hog took on a loaded machine) for
  // the memory hog to reach the memory limit first.
  let pool: SandboxPool;
  let logs: Array<Record<string, unknown>>;
  beforeAll(async () => {
    ({ pool, logs } = await startPool({ cpuTimeLimitMs: 1000, deadlineMs: 10_000 }, () => 'ok'));
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('fails a call that allocates past the memory limit, and rebuilds the isolate for the next', async () => {
    const hog = script('hog', 1, 'h', 'let calls = 0;\nexport async function h(ctx: { hog: boolean }) {\n  calls += 1;\n  const keep: unknown[] = [];\n  while (ctx.hog) keep.push(new Array(100_000).fill(keep.length));\n  return calls;\n}\n');
    const result = await alongsideNormalTraffic(pool.call(hog, { hog: true }), pool);
    expect(result).toMatchObject({ ok: false, error: { kind: 'memory', message: 'hog@1: exceeded its memory limit (32 MB); its isolate was reset' } });
    expect(valueOf(await pool.call(hog, { hog: false }))).toBe(1);
  });

  it('runs a call that waited on the same isolate build in a new isolate when the call before it exhausted that one', async () => {
    // One worker, so both calls wait on one build of the version's isolate and start one after the other.
    const single = await startPool({ workers: 1, cpuTimeLimitMs: 1000, deadlineMs: 10_000 }, () => 'ok');
    try {
      const hog = script('queuedHog', 1, 'h', 'let calls = 0;\nexport async function h(ctx: { hog: boolean }) {\n  calls += 1;\n  const keep: unknown[] = [];\n  while (ctx.hog) keep.push(new Array(100_000).fill(keep.length));\n  return calls;\n}\n');
      const [first, second] = await Promise.all([single.pool.call(hog, { hog: true }), single.pool.call(hog, { hog: false })]);
      expect(first).toMatchObject({ ok: false, error: { kind: 'memory' } });
      expect(valueOf(second)).toBe(1);
    } finally {
      await single.pool.close();
    }
  });

  it("survives 'ab'.repeat(2**27).split(''), which aborts V8: the worker dies and is replaced", async () => {
    const restarts = pool.stats().workerRestarts;
    const result = await alongsideNormalTraffic(pool.call(hook('splitter', 1, "return 'ab'.repeat(2 ** 27).split('').length;"), {}), pool);
    expect(result).toMatchObject({ ok: false, error: { kind: 'crash' } });
    expect(result.ok || result.error.message).toMatch(/^splitter@1: sandbox worker died \(killed by SIGTRAP\) while this call was running$/);
    expect(pool.stats().workerRestarts).toBe(restarts + 1);
  });

  it('survives new Array(1e8)', async () => {
    const result = await alongsideNormalTraffic(pool.call(hook('bigArray', 1, 'const a = new Array(1e8);\nreturn a.length;'), {}), pool);
    expect(result).toMatchObject({ ok: true, value: 1e8 });
  });

  it('survives new Array(1e8).fill(0), a catastrophic out-of-memory: the worker reports it, dies and is replaced', async () => {
    const restarts = pool.stats().workerRestarts;
    const result = await alongsideNormalTraffic(pool.call(hook('bigFill', 1, 'return new Array(1e8).fill(0).length;'), {}), pool);
    expect(result).toMatchObject({ ok: false, error: { kind: 'crash' } });
    expect(pool.stats().workerRestarts).toBe(restarts + 1);
    expect(logs).toContainEqual(expect.objectContaining({ event: 'sandbox.worker.died', blamed: ['bigFill@1'] }));
  });
});

describe('deadline', () => {
  it('fails a call waiting on a capability that never answers; the isolate and its state stay', async () => {
    const waiter = script('waiter', 1, 'h', "let calls = 0;\nexport async function h(ctx: { wait: boolean }, api: any) {\n  calls += 1;\n  if (ctx.wait) await api.secrets.get('never');\n  return calls;\n}\n");
    const result = await alongsideNormalTraffic(pool.call(waiter, { wait: true }));
    expect(result).toMatchObject({ ok: false, error: { kind: 'timeout', message: 'waiter@1: passed its deadline of 1500 ms' } });
    expect(result.durationUs).toBeGreaterThan(1_400_000);
    expect(valueOf(await pool.call(waiter, { wait: false }))).toBe(2);
  });

  it('kills and replaces a worker that stops answering, blaming the version it was running', async () => {
    const frozen = hook('frozen', 1, 'return 1;');
    await allWorkersUp(pool);
    expect(valueOf(await pool.call(frozen, {}))).toBe(1);
    const worker = pool.stats().workers.find((w) => w.loadedVersions.includes('frozen@1'));
    const restarts = pool.stats().workerRestarts;
    process.kill(worker?.pid ?? 0, 'SIGSTOP');
    const result = await alongsideNormalTraffic(pool.call(frozen, {}));
    expect(result).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    while (pool.stats().workerRestarts === restarts) await new Promise((resolve) => setTimeout(resolve, 20));
    await allWorkersUp(pool);
    expect(pool.stats().workerRestarts).toBe(restarts + 1);
    expect(logs).toContainEqual(expect.objectContaining({ event: 'sandbox.worker.died', pid: worker?.pid, cause: 'killed by SIGKILL', blamed: ['frozen@1'] }));
    expect(valueOf(await pool.call(frozen, {}))).toBe(1);
  });

  it('fails a call stuck on a promise inside its isolate, and resets that isolate', async () => {
    const stuck = script('stuck', 1, 'h', 'let calls = 0;\nexport async function h(ctx: { hang: boolean }) {\n  calls += 1;\n  if (ctx.hang) await new Promise(() => {});\n  return calls;\n}\n');
    expect(valueOf(await pool.call(stuck, { hang: false }))).toBe(1);
    const result = await alongsideNormalTraffic(pool.call(stuck, { hang: true }));
    expect(result).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    expect(valueOf(await pool.call(stuck, { hang: false }))).toBe(1);
  });
});
