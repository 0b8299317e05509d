/**
 * Watches the worker's synchronous entries into its isolates from a thread of its own. Every
 * run of script code is bounded by isolated-vm's `timeout`, so an entry whose thread has gone to
 * sleep long after its timeout means isolated-vm lost control of the isolate — after a
 * catastrophic out-of-memory the isolate's thread (here: the main thread) is parked for good and
 * `onCatastrophicError` never gets to run. The guard then writes which isolate it was to the
 * pool's stall channel (fd `STALL_FD`, one JSON line) and kills the process; the pool reads the
 * line before it handles the death, so blame stays exact.
 *
 * "Gone to sleep" is read from /proc: the main thread is sleeping and used no CPU across two
 * looks. A thread still busy past its timeout is left alone, since V8 may yet abort the process
 * itself ('ab'.repeat(2**27).split('') does, after ~1 s of work), and that death says more;
 * a busy entry is only cut after `BUSY_LIMIT_MS`, and without /proc the guard goes by time alone.
 *
 * The main thread pays two atomic stores and an add per entry; the guard thread wakes every
 * `GUARD_INTERVAL_MS` and reads /proc only while an entry is overdue.
 */
import { Worker } from 'node:worker_threads';

/** The worker's fd the guard writes to (stdio index 4 of `forkWorker`). */
export const STALL_FD = 4;
/** Time an entry may run past its timeout (termination, a GC near the heap limit) before the guard looks closer. */
export const STALL_MARGIN_MS = 100;
/** An overdue entry still using CPU is cut after this much more (isolated-vm itself gives up after 5 s). */
const BUSY_LIMIT_MS = 5000;
/** Without /proc, an overdue entry is cut after this much more. */
const BLIND_LIMIT_MS = 1000;
const GUARD_INTERVAL_MS = 25;

/** One line on the stall channel. */
export interface StallNote {
  key: string;
  ms: number;
}

/** state[0]: entries started; state[1]: 1 while in an entry; state[2]: the id of its isolate key. */
const SEQ = 0;
const IN_ENTRY = 1;
const KEY_ID = 2;

// Plain CommonJS run with `eval`, so the thread needs no loader and no TypeScript.
const GUARD_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { readFileSync, writeSync } = require('node:fs');
const state = new Int32Array(workerData.buffer);
const keys = new Map();
parentPort.on('message', (m) => keys.set(m.id, m.key));
const task = '/proc/self/task/' + process.pid + '/';
// The main thread's scheduler state and CPU nanoseconds, or null without /proc.
const mainThread = () => {
  try {
    const stat = readFileSync(task + 'stat', 'utf8');
    const cpu = readFileSync(task + 'schedstat', 'utf8').split(' ')[0];
    return { state: stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3), cpu };
  } catch {
    return null;
  }
};
let seen = -1;
let since = 0;
let lastCpu = '';
let sleepingLooks = 0;
setInterval(() => {
  if (Atomics.load(state, ${IN_ENTRY}) === 0) { seen = -1; return; }
  const seq = Atomics.load(state, ${SEQ});
  const now = Date.now();
  if (seq !== seen) { seen = seq; since = now; lastCpu = ''; sleepingLooks = 0; return; }
  const overdue = now - since - workerData.stallMs;
  if (overdue < 0) return;
  const main = mainThread();
  let stuck;
  if (main === null) {
    stuck = overdue >= ${BLIND_LIMIT_MS};
  } else {
    const sleeping = (main.state === 'S' || main.state === 'D') && main.cpu === lastCpu;
    sleepingLooks = sleeping ? sleepingLooks + 1 : 0;
    lastCpu = main.cpu;
    stuck = sleepingLooks >= 2 || overdue >= ${BUSY_LIMIT_MS};
  }
  if (!stuck) return;
  try {
    writeSync(workerData.fd, JSON.stringify({ key: keys.get(Atomics.load(state, ${KEY_ID})) ?? '', ms: now - since }) + '\\n');
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
}, workerData.intervalMs);
`;

/** Guard threads that failed and were replaced; past this, the worker carries on without one. */
const MAX_GUARD_RESTARTS = 3;

export class StallGuard {
  private readonly state = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  private readonly ids = new Map<string, number>();
  private thread: Worker;
  private restarts = 0;

  /** `timeoutMs`: the longest timeout an entry is given. */
  constructor(private readonly timeoutMs: number) {
    this.thread = this.spawn();
  }

  private spawn(): Worker {
    const thread = new Worker(GUARD_SOURCE, {
      eval: true,
      // Nothing of the process's own flags (--import tsx, --no-node-snapshot) is needed here.
      execArgv: [],
      env: {},
      stdout: false,
      stderr: false,
      workerData: { buffer: this.state.buffer, stallMs: this.timeoutMs + STALL_MARGIN_MS, intervalMs: GUARD_INTERVAL_MS, fd: STALL_FD },
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    });
    thread.unref();
    for (const [key, id] of this.ids) thread.postMessage({ id, key });
    // Unhandled, a guard's failure (its own fault, its small heap) would kill this worker and be
    // blamed on the script running; replaced, the worker keeps its protection.
    thread.once('error', (err) => {
      const replace = this.restarts < MAX_GUARD_RESTARTS;
      process.stderr.write(`sandbox stall guard failed (${err.message}); ${replace ? 'replacing it' : 'carrying on without one'}\n`);
      if (!replace) return;
      this.restarts += 1;
      this.thread = this.spawn();
    });
    return thread;
  }

  /** An entry into `key`'s isolate starts. */
  enter(key: string): void {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(key, id);
      this.thread.postMessage({ id, key });
    }
    Atomics.store(this.state, KEY_ID, id);
    Atomics.add(this.state, SEQ, 1);
    Atomics.store(this.state, IN_ENTRY, 1);
  }

  leave(): void {
    Atomics.store(this.state, IN_ENTRY, 0);
  }
}

/** Parses a stall note; null for anything else. */
export function parseStallNote(line: string): StallNote | null {
  try {
    const note = JSON.parse(line) as unknown;
    if (typeof note !== 'object' || note === null) return null;
    const { key, ms } = note as Record<string, unknown>;
    return typeof key === 'string' && typeof ms === 'number' ? { key, ms } : null;
  } catch {
    return null;
  }
}
