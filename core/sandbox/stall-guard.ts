/**
 * Watches the worker's synchronous entries into its isolates from a thread of its own. Every
 * run of script code is bounded by isolated-vm's `timeout`, so an entry that lasts far longer
 * means isolated-vm lost control of the isolate — a catastrophic out-of-memory, say, after
 * which the isolate's thread (here: the main thread) is stuck for good and
 * `onCatastrophicError` never gets to run. The guard then writes which isolate it was to the
 * pool's stall channel (fd `STALL_FD`, one JSON line) and kills the process; the pool reads the
 * line before it handles the death, so blame stays exact.
 *
 * The main thread pays two atomic stores per entry; the guard thread wakes every
 * `GUARD_INTERVAL_MS`.
 */
import { Worker } from 'node:worker_threads';

/** The worker's fd the guard writes to (stdio index 4 of `forkWorker`). */
export const STALL_FD = 4;
/** Time an entry may run past the CPU limit (termination, GC near the heap limit) before it counts as stuck. */
export const STALL_MARGIN_MS = 500;
const GUARD_INTERVAL_MS = 50;

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
const { writeSync } = require('node:fs');
const state = new Int32Array(workerData.buffer);
const keys = new Map();
parentPort.on('message', (m) => keys.set(m.id, m.key));
let seen = -1;
let since = 0;
setInterval(() => {
  if (Atomics.load(state, ${IN_ENTRY}) === 0) { seen = -1; return; }
  const seq = Atomics.load(state, ${SEQ});
  const now = Date.now();
  if (seq !== seen) { seen = seq; since = now; return; }
  if (now - since < workerData.stallMs) return;
  try {
    writeSync(workerData.fd, JSON.stringify({ key: keys.get(Atomics.load(state, ${KEY_ID})) ?? '', ms: now - since }) + '\\n');
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
}, workerData.intervalMs);
`;

export class StallGuard {
  private readonly state = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  private readonly ids = new Map<string, number>();
  private readonly thread: Worker;

  constructor(cpuTimeLimitMs: number) {
    this.thread = new Worker(GUARD_SOURCE, {
      eval: true,
      // Nothing of the process's own flags (--import tsx, --no-node-snapshot) is needed here.
      execArgv: [],
      env: {},
      stdout: false,
      stderr: false,
      workerData: { buffer: this.state.buffer, stallMs: cpuTimeLimitMs + STALL_MARGIN_MS, intervalMs: GUARD_INTERVAL_MS, fd: STALL_FD },
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    });
    this.thread.unref();
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
