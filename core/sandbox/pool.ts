/**
 * The supervisor, in the OP process: a pool of sandbox worker processes that run script
 * versions, in isolates keyed by `name@version` (dry runs apart). It dispatches each call to the least busy worker,
 * enforces the wall-clock deadline, executes the capability calls scripts make through the
 * caller's CapabilityHost (checking each against the capability table and the per-call
 * budget, since this is the boundary that must hold), replaces workers that die, and
 * quarantines a version that keeps killing them. A script can cost a worker, never the OP.
 */
import { EventEmitter } from 'node:events';
import { BusyPoll } from './busy-poll.js';
import { CALL_ENDED, capabilityBudgetProblem, capabilityCallProblem } from './capabilities.js';
import type { Envelope, FromWorker, WorkerConfig } from './protocol.js';
import { Deadlines } from './deadlines.js';
import { CrashLedger } from './quarantine.js';
import { scriptError } from './script-error.js';
import { isolateKey, scriptKey } from './script-key.js';
import {
  DEFAULT_SANDBOX_OPTIONS,
  type CallMeta,
  type CapabilityHost,
  type LoadedScript,
  type QuarantineRecord,
  type SandboxErrorKind,
  type SandboxOptions,
  type SandboxResult,
  type SandboxStats,
} from './types.js';
import { WorkerHandle } from './worker-handle.js';

/** How long a worker may take to answer a cancel before it counts as wedged and is killed. */
const CANCEL_ANSWER_MS = 1000;
/** Restart delay cap for workers that die before they are ready (a broken install, not a script). */
const RESTART_BACKOFF_MAX_MS = 5000;

interface PendingCall {
  id: number;
  /** Isolate key. */
  key: string;
  script: LoadedScript;
  meta: CallMeta;
  worker: WorkerHandle;
  started: bigint;
  capabilityCalls: number;
  /** Capability calls of this call the host is executing now: while > 0 the script is waiting, not running. */
  capabilitiesRunning: number;
  resolve: (result: SandboxResult) => void;
}

export interface SandboxPoolEvents {
  /** A version was quarantined; the registry records `reason` on the script record. */
  quarantine: [QuarantineRecord];
}

export class SandboxPool extends EventEmitter<SandboxPoolEvents> {
  readonly options: Readonly<SandboxOptions>;
  private readonly config: WorkerConfig;
  private readonly workers: WorkerHandle[] = [];
  private readonly calls = new Map<number, PendingCall>();
  private readonly deadlines = new Deadlines<PendingCall>((call) => this.onDeadline(call));
  private readonly inFlightByKey = new Map<string, number>();
  private readonly drainWaiters = new Map<string, Array<() => void>>();
  private readyWaiters: Array<() => void> = [];
  private readonly ledger: CrashLedger;
  /** Keeps this process awake while calls are in flight, for the answers (see busy-poll.ts). */
  private readonly poll: BusyPoll;
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private nextCallId = 1;
  private totalCalls = 0;
  private restarts = 0;
  /** Workers in a row that died before becoming ready. */
  private startFailures = 0;
  private lastDeath = '';

  constructor(
    options: Partial<SandboxOptions>,
    private readonly host: CapabilityHost,
    private readonly log: (entry: object) => void = () => {},
  ) {
    super();
    this.options = Object.freeze({ ...DEFAULT_SANDBOX_OPTIONS, ...options });
    for (const [name, value] of Object.entries(this.options)) {
      const least = name === 'spinMicros' ? 0 : 1;
      if (!Number.isInteger(value) || value < least) {
        throw new RangeError(`sandbox option ${name} must be an integer of at least ${least}, got ${value}`);
      }
    }
    this.config = {
      memoryLimitMb: this.options.memoryLimitMb,
      cpuTimeLimitMs: this.options.cpuTimeLimitMs,
      maxResultBytes: this.options.maxResultBytes,
      maxCapabilityArgBytes: this.options.maxCapabilityArgBytes,
      maxCapabilityCallsPerCall: this.options.maxCapabilityCallsPerCall,
      spinMicros: this.options.spinMicros,
    };
    this.poll = new BusyPoll(this.options.spinMicros);
    this.ledger = new CrashLedger(this.options.quarantineAfterCrashes, this.options.quarantineWindowMs);
  }

  /** Starts the workers; rejects (and cleans up) if they cannot start. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('SandboxPool.start() may be called only once');
    this.state = 'running';
    for (let i = 0; i < this.options.workers; i++) this.workers.push(this.spawn());
    const started = await Promise.all(this.workers.map((worker) => worker.whenReady));
    if (started.every(Boolean)) return;
    await this.close();
    throw new Error(`sandbox workers could not start: ${this.lastDeath}`);
  }

  /**
   * Runs `script`'s hook with `input` (JSON data). Never rejects for anything the script does:
   * failures come back as `{ok: false, error}`. Rejects only if `input` is not serializable.
   */
  call(script: LoadedScript, input: unknown, meta: CallMeta = {}): Promise<SandboxResult> {
    const started = process.hrtime.bigint();
    const key = isolateKey(script.name, script.version, meta.dryRun === true);
    if (this.state !== 'running') return Promise.resolve(this.failureResult(script, meta, started, 'crash', 'the sandbox pool is not running'));
    const quarantined = this.ledger.get(scriptKey(script.name, script.version));
    if (quarantined) return Promise.resolve(this.failureResult(script, meta, started, 'quarantined', `quarantined: ${quarantined.reason}`));
    // No await on the way when a worker is free: each one would cost the caller a turn.
    const worker = this.pickWorker(key);
    if (worker) return this.dispatch(worker, key, script, input, meta, started);
    return this.usableWorker(key, started).then((later) => {
      if (later) return this.dispatch(later, key, script, input, meta, started);
      const message = `no sandbox worker became available within ${this.options.deadlineMs} ms`;
      return this.failureResult(script, meta, started, 'timeout', message);
    });
  }

  private dispatch(worker: WorkerHandle, key: string, script: LoadedScript, input: unknown, meta: CallMeta, started: bigint): Promise<SandboxResult> {
    let inputJson: string | undefined;
    try {
      inputJson = JSON.stringify(input);
    } catch (err) {
      return Promise.reject(new TypeError(`sandbox input must be JSON data: ${err instanceof Error ? err.message : String(err)}`));
    }
    return new Promise<SandboxResult>((resolve) => {
      const id = this.nextCallId++;
      const call: PendingCall = { id, key, script, meta, worker, started, capabilityCalls: 0, capabilitiesRunning: 0, resolve };
      const firstHere = !worker.loaded.has(key);
      worker.send({
        t: 'call', id, key, input: inputJson,
        ...(firstHere && { script: { name: script.name, version: script.version, hook: script.hook, code: script.code } }),
      });
      if (firstHere) worker.loaded.set(key, script);
      this.deadlines.add(call, this.options.deadlineMs - elapsedMs(started));
      this.calls.set(id, call);
      worker.inFlight.add(id);
      this.inFlightByKey.set(key, (this.inFlightByKey.get(key) ?? 0) + 1);
      this.totalCalls++;
      this.pollFor(worker);
    });
  }

  /** Frees `name@version` in every worker once the calls running on it are done. */
  async retire(name: string, version: number): Promise<void> {
    for (const key of [isolateKey(name, version, false), isolateKey(name, version, true)]) {
      await this.drained(key);
      for (const worker of this.workers) {
        if (worker.loaded.delete(key)) worker.send({ t: 'retire', key });
      }
    }
  }

  isQuarantined(name: string, version: number): { reason: string } | null {
    const record = this.ledger.get(scriptKey(name, version));
    return record ? { reason: record.reason } : null;
  }

  stats(): SandboxStats {
    return {
      workers: this.workers.map((worker) => ({
        pid: worker.pid,
        ready: worker.usable,
        inFlight: worker.inFlight.size,
        loadedVersions: [...worker.loaded.keys()],
      })),
      inFlight: this.calls.size,
      calls: this.totalCalls,
      workerRestarts: this.restarts,
      quarantined: this.ledger.list(),
    };
  }

  /** Lets the calls in flight finish (their deadlines bound this), then stops the workers. */
  async close(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    await Promise.all([...this.inFlightByKey.keys()].map((key) => this.drained(key)));
    await Promise.all(
      this.workers.map((worker) => {
        worker.stop();
        const kill = setTimeout(() => worker.kill(), CANCEL_ANSWER_MS);
        return worker.whenGone.finally(() => clearTimeout(kill));
      }),
    );
    this.state = 'closed';
  }

  private spawn(): WorkerHandle {
    const worker: WorkerHandle = new WorkerHandle(this.config, {
      message: (message) => this.onMessage(worker, message),
      gone: (cause) => this.onWorkerGone(worker, cause),
    });
    void worker.whenReady.then((ready) => {
      if (!ready) return;
      this.startFailures = 0;
      this.log({ event: 'sandbox.worker.started', pid: worker.pid });
      for (const wake of this.readyWaiters.splice(0)) wake();
    });
    return worker;
  }

  /**
   * Polls for the answer to what was just sent to `worker` — only if it is awake: a message to
   * a sleeping worker wakes it, likely onto this process's CPU, where polling would hold it off.
   */
  private pollFor(worker: WorkerHandle): void {
    if (worker.awake(this.options.spinMicros / 1000)) this.poll.hold();
  }

  private onMessage(worker: WorkerHandle, message: FromWorker): void {
    this.poll.heard();
    switch (message.t) {
      case 'result': {
        const call = this.calls.get(message.id);
        // Absent when the deadline already answered it.
        if (!call || call.worker !== worker) return;
        const outcome = message.outcome;
        if (!outcome.ok) {
          this.failCall(call, outcome.kind, outcome.message, outcome.stack);
          return;
        }
        let value: unknown;
        try {
          value = outcome.json === undefined ? undefined : JSON.parse(outcome.json);
        } catch {
          // The isolate wrote it with JSON.stringify: only a broken worker sends anything else.
          this.failCall(call, 'invalid-result', 'the worker sent a result that is not JSON text');
          return;
        }
        this.finish(call, { ok: true, value, durationUs: elapsedUs(call.started) });
        return;
      }
      case 'cap':
        void this.answerCapability(worker, message);
        return;
      case 'cancelled':
        clearTimeout(worker.cancels.get(message.id));
        worker.cancels.delete(message.id);
        return;
      case 'fatal':
        worker.blame = { key: message.key, cause: `catastrophic error: ${message.message}` };
        return;
      case 'event':
        this.log({ event: `sandbox.${message.event}`, script: message.key, detail: message.detail, pid: worker.pid });
        return;
      case 'ready':
        return;
    }
  }

  private async answerCapability(worker: WorkerHandle, message: Extract<FromWorker, { t: 'cap' }>): Promise<void> {
    const call = this.calls.get(message.id);
    const envelope: Envelope =
      call && call.worker === worker ? await this.executeCapability(call, message.capability, message.args) : refuse(CALL_ENDED);
    try {
      worker.send({ t: 'capResult', capId: message.capId, envelope });
    } catch (err) {
      const problem = `the capability's result is not JSON data (${err instanceof Error ? err.message : String(err)})`;
      worker.send({ t: 'capResult', capId: message.capId, envelope: refuse(problem) });
    }
    this.pollFor(worker);
  }

  private async executeCapability(call: PendingCall, capability: string, args: unknown): Promise<Envelope> {
    const problem =
      capabilityCallProblem(capability, args) ??
      capabilityBudgetProblem(++call.capabilityCalls, this.options.maxCapabilityCallsPerCall);
    if (problem) return refuse(problem);
    call.capabilitiesRunning++;
    try {
      const value = await this.host({
        capability,
        args: args as unknown[],
        script: call.script.name,
        version: call.script.version,
        requestId: call.meta.requestId,
        dryRun: call.meta.dryRun === true,
      });
      return { ok: true, value };
    } catch (err) {
      return refuse(err instanceof Error ? err.message : String(err));
    } finally {
      call.capabilitiesRunning--;
    }
  }

  /**
   * The call fails now; the worker is told to cut it loose (or throw its isolate away). A
   * worker that cannot even answer that is wedged: killed, and the version blamed.
   */
  private onDeadline(call: PendingCall): void {
    if (this.calls.get(call.id) !== call) return; // answered meanwhile
    this.failCall(call, 'timeout', `passed its deadline of ${this.options.deadlineMs} ms`);
    const worker = call.worker;
    if (worker.gone) return;
    worker.send({ t: 'cancel', id: call.id });
    const timer = setTimeout(() => {
      worker.blame ??= { key: call.key, cause: `wedged its worker (a cancel went unanswered for ${CANCEL_ANSWER_MS} ms)` };
      worker.kill();
    }, CANCEL_ANSWER_MS);
    worker.cancels.set(call.id, timer);
  }

  private onWorkerGone(worker: WorkerHandle, cause: string): void {
    const lost = [...worker.inFlight].flatMap((id) => this.calls.get(id) ?? []);
    const culprits = this.culprits(worker, lost);
    for (const call of lost) {
      this.failCall(call, 'crash', `sandbox worker died (${cause}) while this call was running`);
    }
    // Workers stopped by close() are not deaths.
    if (this.state !== 'running') return;
    this.lastDeath = [cause, worker.outputTail()].filter(Boolean).join(': ');
    this.log({
      event: 'sandbox.worker.died', pid: worker.pid, cause, callsLost: lost.length,
      blamed: culprits.map((script) => scriptKey(script.name, script.version)), output: worker.outputTail(),
    });
    this.replace(worker);
    for (const script of culprits) {
      const record = this.ledger.record(script.name, script.version, worker.blame?.cause ?? `its worker was ${cause}`);
      if (record) this.announceQuarantine(record);
    }
  }

  private announceQuarantine(record: QuarantineRecord): void {
    this.log({ event: 'sandbox.quarantined', script: record.name, version: record.version, reason: record.reason });
    try {
      this.emit('quarantine', record);
    } catch (err) {
      // A failing listener must not stop the pool from handling the death of a worker.
      this.log({ event: 'sandbox.quarantine-listener-failed', error: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * Who to blame for a death. Known exactly after a catastrophic error or a wedge; otherwise the
   * versions whose calls were running script code — not waiting on a capability — when it died,
   * or every version in flight if none was.
   */
  private culprits(worker: WorkerHandle, lost: PendingCall[]): LoadedScript[] {
    if (worker.blame) {
      const script = worker.loaded.get(worker.blame.key);
      return script ? [script] : [];
    }
    const running = lost.filter((call) => call.capabilitiesRunning === 0);
    const suspects = new Map(
      (running.length > 0 ? running : lost).map((call) => [scriptKey(call.script.name, call.script.version), call.script]),
    );
    return [...suspects.values()];
  }

  private replace(worker: WorkerHandle): void {
    const slot = this.workers.indexOf(worker);
    if (slot < 0) return;
    this.restarts++;
    if (!worker.ready) this.startFailures++;
    const respawn = (): void => {
      if (this.state === 'running' && this.workers[slot] === worker) this.workers[slot] = this.spawn();
    };
    if (this.startFailures === 0) respawn();
    else setTimeout(respawn, Math.min(RESTART_BACKOFF_MAX_MS, 100 * 2 ** (this.startFailures - 1))).unref();
  }

  /** A usable worker now, or the first to become usable within the call's deadline. */
  private async usableWorker(key: string, started: bigint): Promise<WorkerHandle | undefined> {
    for (;;) {
      const worker = this.pickWorker(key);
      if (worker) return worker;
      const left = this.options.deadlineMs - elapsedMs(started);
      if (left <= 0 || this.state !== 'running') return undefined;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.readyWaiters = this.readyWaiters.filter((waiter) => waiter !== wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.readyWaiters.push(wake);
      });
    }
  }

  /**
   * The least busy usable worker. Between equally busy ones, one that already runs the version
   * wins (a warm isolate, the same module state, no second copy in memory); remaining ties go
   * to the one heard from last, which is still polling for its next message (busy-poll.ts)
   * where the others may have gone to sleep.
   */
  private pickWorker(key: string): WorkerHandle | undefined {
    let best: WorkerHandle | undefined;
    let bestScore = Infinity;
    for (const worker of this.workers) {
      if (!worker.usable) continue;
      const score = worker.inFlight.size * 2 + (worker.loaded.has(key) ? 0 : 1);
      if (score < bestScore || (score === bestScore && best !== undefined && worker.lastHeardAt > best.lastHeardAt)) {
        best = worker;
        bestScore = score;
      }
    }
    return best;
  }

  private finish(call: PendingCall, result: SandboxResult): void {
    this.deadlines.delete(call);
    this.calls.delete(call.id);
    if (this.calls.size === 0) this.poll.release();
    call.worker.inFlight.delete(call.id);
    const left = (this.inFlightByKey.get(call.key) ?? 1) - 1;
    if (left > 0) {
      this.inFlightByKey.set(call.key, left);
    } else {
      this.inFlightByKey.delete(call.key);
      for (const wake of this.drainWaiters.get(call.key) ?? []) wake();
      this.drainWaiters.delete(call.key);
    }
    call.resolve(result);
  }

  private async drained(key: string): Promise<void> {
    while (this.inFlightByKey.has(key)) {
      await new Promise<void>((resolve) => {
        this.drainWaiters.set(key, [...(this.drainWaiters.get(key) ?? []), resolve]);
      });
    }
  }

  private failCall(call: PendingCall, kind: SandboxErrorKind, message: string, stack?: string): void {
    this.finish(call, this.failureResult(call.script, call.meta, call.started, kind, message, stack));
  }

  private failureResult(
    script: LoadedScript, meta: CallMeta, started: bigint, kind: SandboxErrorKind, message: string, stack?: string,
  ): SandboxResult {
    const error = scriptError(script, kind, message, stack);
    this.log({ event: 'sandbox.call.failed', script: script.name, version: script.version, requestId: meta.requestId, ...error });
    return { ok: false, error, durationUs: elapsedUs(started) };
  }
}

function refuse(error: string): Envelope {
  return { ok: false, error };
}

function elapsedUs(started: bigint): number {
  return Number((process.hrtime.bigint() - started) / 1000n);
}

function elapsedMs(started: bigint): number {
  return elapsedUs(started) / 1000;
}
