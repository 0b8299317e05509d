/**
 * One script version inside a worker: a warm isolate with one context in which the module was
 * evaluated once, so module-level state lives as long as the version does (a context per call
 * would cost ~240 µs). The isolate is built on first use and rebuilt on the next call after it
 * was thrown away: by isolated-vm when the memory limit is hit, or here when code ran away
 * (a resumed run hit the CPU limit, or the CPU watchdog saw it) or a call passed its deadline
 * while running inside it. The calls running in a thrown-away isolate fail with the reason.
 *
 * Script code runs only inside synchronous entries (`applySync` on the worker's main thread,
 * each with the CPU `timeout`): `invoke` starts a call, `settle` hands a capability call its
 * answer, and each returns once the isolate's microtasks are drained. The bootstrap reports a
 * settled hook through a host function during the entry. An async `apply` would hand the run
 * to isolated-vm's thread pool and the answer back — two thread wake-ups, ~80 µs of a ~100 µs
 * call on this machine; a synchronous entry costs ~10 µs. The stall guard (`stall-guard.ts`)
 * watches the entries, since an isolate that isolated-vm loses control of (catastrophic
 * out-of-memory) never returns from one.
 */
import type IsolatedVm from 'isolated-vm';
import ivm from './isolated-vm.js';
import { BOOTSTRAP_SOURCE } from './bootstrap.js';
import { CALL_ENDED, CAPABILITY_ARITY } from './capabilities.js';
import type { CallOutcome, Envelope, ScriptSource, WorkerConfig, WorkerFailureKind } from './protocol.js';
import { moduleFileName, scriptKey } from './script-key.js';

/**
 * The worker function every isolate's capability calls go to. It answers at once, without
 * throwing: the capability call's id (its answer comes later through `settle`) or why it is
 * refused.
 */
export type CapabilityRelay = (callId: number, capability: unknown, argsJson: unknown) => number | string;

export interface RuntimeHooks {
  relay: CapabilityRelay;
  /** isolated-vm lost control of an isolate: the process must go. */
  onCatastrophic: (key: string, message: string) => void;
  onEvent: (event: string, key: string, detail: string) => void;
  /** Around every synchronous entry into an isolate (the stall guard watches them). */
  enter: (key: string) => void;
  leave: () => void;
}

interface Failure {
  kind: WorkerFailureKind;
  message: string;
  stack?: string;
}

type Answer = { ok: true; value: unknown } | ({ ok: false } & Failure);

/** A call whose hook has not settled yet. */
interface Running {
  resolve: (outcome: CallOutcome) => void;
  cpuStart: bigint;
}

type Entry = IsolatedVm.Reference<(...args: never[]) => void>;

interface Live {
  isolate: IsolatedVm.Isolate;
  context: IsolatedVm.Context;
  module: IsolatedVm.Module;
  invoke: Entry;
  settle: Entry;
  /** Calls started in this isolate whose hook has not settled, by call id. */
  running: Map<number, Running>;
  /** isolate.cpuTime at the last sign that script code yields (a call settled, a capability call). */
  progressCpu: bigint;
  /** isolate.cpuTime at the watchdog's last look. */
  seenCpu: bigint;
  /** Set when this runtime threw the isolate away, so the calls running in it fail with why. */
  discardedFor?: Failure;
}

/** The only module a script may import; it carries types only, so at run time it is empty. */
const API_MODULE = 'ciba-op/script';
const TIMED_OUT = 'Script execution timed out.';
const REPORT_KINDS = new Set(['ok', 'throw', 'invalid-result']);
/** Run timeouts are rounded up to a multiple of this (see `enter`). */
export const TIMEOUT_GRAIN_MS = 10;

/** `[namespace | null, method, dotted name]` for each capability, split once for the bootstrap. */
const API_ENTRIES = Object.keys(CAPABILITY_ARITY).map((name) => {
  const dot = name.indexOf('.');
  return dot < 0 ? [null, name, name] : [name.slice(0, dot), name.slice(dot + 1), name];
});

export class VersionRuntime {
  private live: Live | undefined;
  private building: Promise<Live> | undefined;
  /**
   * CPU past the last progress after which the isolate counts as runaway. Above the limit by a
   * margin, so that isolated-vm's own timeout, which costs only the one call, acts first.
   */
  private readonly runawayNs: bigint;
  /** Options of every entry: only primitives cross, and each run of script code is time-limited. */
  private readonly entryOptions: IsolatedVm.ReferenceApplyOptions;

  constructor(
    /** The isolate key the pool uses (see `isolateKey`). */
    readonly key: string,
    private readonly script: ScriptSource,
    private readonly config: WorkerConfig,
    private readonly hooks: RuntimeHooks,
    watchIntervalMs: number,
  ) {
    const margin = Math.max(watchIntervalMs, Math.ceil(config.cpuTimeLimitMs / 4));
    this.runawayNs = BigInt(config.cpuTimeLimitMs + margin) * 1_000_000n;
    this.entryOptions = { timeout: config.cpuTimeLimitMs };
  }

  /** Runs one call; resolves when its hook settled or the call failed. Never rejects. */
  call(callId: number, input: unknown): Promise<CallOutcome> {
    const live = this.live;
    if (live && !live.isolate.isDisposed) return this.start(live, callId, input);
    return this.load().then(
      (built) => this.start(built, callId, input),
      (err: unknown): CallOutcome => ({ ok: false, kind: 'compile', message: `could not load: ${errorText(err)}`, stack: errorStack(err), cpuUs: 0 }),
    );
  }

  private start(live: Live, callId: number, input: unknown): Promise<CallOutcome> {
    // Input came over JSON IPC, so it is JSON data; the bootstrap parses it inside the isolate.
    const inputJson = JSON.stringify(input);
    return new Promise<CallOutcome>((resolve) => {
      live.running.set(callId, { resolve, cpuStart: live.isolate.cpuTime });
      this.enter(live, live.invoke, [callId, inputJson], callId);
    });
  }

  /** A capability call made in this version's isolate was answered: let the code waiting on it run. */
  settle(capId: number, envelope: Envelope): void {
    const live = this.live;
    // Thrown away since: the calls that were waiting already failed.
    if (!live || live.isolate.isDisposed) return;
    let payload: string | undefined;
    if (envelope.ok) {
      // It came over JSON IPC, so it is JSON data (undefined stays undefined).
      payload = JSON.stringify(envelope.value);
    } else {
      payload = String(envelope.error);
    }
    this.enter(live, live.settle, [capId, envelope.ok, payload]);
  }

  /** Script code showed it yields: restart the runaway count. */
  markProgress(): void {
    const live = this.live;
    if (live && !live.isolate.isDisposed) live.progressCpu = live.isolate.cpuTime;
  }

  /** One watchdog look: throws a runaway isolate away; tells whether the isolate used CPU since the last look. */
  watch(): boolean {
    const live = this.live;
    if (!live || live.isolate.isDisposed) return false;
    const cpu = live.isolate.cpuTime;
    const busy = cpu !== live.seenCpu;
    live.seenCpu = cpu;
    if (cpu - live.progressCpu > this.runawayNs) {
      this.throwAway(live, {
        kind: 'cpu',
        message: `ran more than ${this.config.cpuTimeLimitMs} ms of CPU without yielding; its isolate was reset`,
      });
    }
    return busy;
  }

  /** Throws the isolate away (the calls running in it fail with `reason`); the next call rebuilds it. */
  discard(reason: Failure): void {
    if (this.live) this.throwAway(this.live, reason);
  }

  /** The version was retired: free everything, quietly. */
  retire(): void {
    const live = this.live;
    this.live = undefined;
    if (live) release(live);
  }

  /**
   * One synchronous run of script code. `callId` is given when the entry starts that call: a
   * timeout there fails only that call and keeps the isolate (as isolated-vm's timeout leaves
   * it usable); a timeout in code resumed by a capability result is runaway code, and the
   * isolate goes.
   */
  private enter(live: Live, entry: Entry, args: unknown[], callId?: number): void {
    // isolated-vm arms a timer per timed run and its timer thread wakes when the timer is due,
    // even for a run long finished: one thread wake-up per entry. Rounding every deadline up to
    // the same TIMEOUT_GRAIN_MS boundary lets one wake-up retire the timers of many entries, at
    // the price of a limit up to that much looser.
    const limit = this.config.cpuTimeLimitMs;
    this.entryOptions.timeout = limit + TIMEOUT_GRAIN_MS - ((Math.floor(performance.now()) + limit) % TIMEOUT_GRAIN_MS);
    this.hooks.enter(this.key);
    try {
      entry.applySync(undefined, args as never[], this.entryOptions);
    } catch (err) {
      this.entryFailed(live, err, callId);
    } finally {
      this.hooks.leave();
    }
  }

  private entryFailed(live: Live, err: unknown, callId: number | undefined): void {
    if (!live.discardedFor && live.isolate.isDisposed) {
      // Disposed by isolated-vm itself, which only does so when the memory limit is hit.
      const message = `exceeded its memory limit (${this.config.memoryLimitMb} MB); its isolate was reset`;
      this.throwAway(live, { kind: 'memory', message });
    }
    if (live.discardedFor) return;
    const text = errorText(err);
    if (text === TIMED_OUT && callId !== undefined) {
      this.finish(live, callId, { ok: false, kind: 'cpu', message: `exceeded its CPU time limit (${this.config.cpuTimeLimitMs} ms)` });
    } else if (text === TIMED_OUT) {
      this.throwAway(live, {
        kind: 'cpu',
        message: `ran more than ${this.config.cpuTimeLimitMs} ms of CPU without yielding; its isolate was reset`,
      });
    } else {
      // The entries catch everything script code throws: this is isolated-vm refusing the entry.
      this.throwAway(live, { kind: 'throw', message: `the isolate failed: ${text}`, stack: errorStack(err) });
    }
  }

  /** A call's hook settled (or the call failed): answer it, once. */
  private finish(live: Live, callId: number, answer: Answer): void {
    const running = live.running.get(callId);
    if (!running) return;
    live.running.delete(callId);
    let cpuUs = 0;
    if (!live.isolate.isDisposed) {
      const cpu = live.isolate.cpuTime;
      cpuUs = Number((cpu - running.cpuStart) / 1000n);
      // A call settled: script code yields (see `watch`).
      live.progressCpu = cpu;
    }
    const outcome = answer as CallOutcome;
    outcome.cpuUs = cpuUs;
    running.resolve(outcome);
  }

  private load(): Promise<Live> {
    if (this.live && !this.live.isolate.isDisposed) return Promise.resolve(this.live);
    this.building ??= this.build().finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  private async build(): Promise<Live> {
    if (this.live) release(this.live);
    this.live = undefined;
    const isolate = new ivm.Isolate({
      memoryLimit: this.config.memoryLimitMb,
      onCatastrophicError: (message) => this.hooks.onCatastrophic(this.key, message),
    });
    try {
      const context = await isolate.createContext();
      const cpu = isolate.cpuTime;
      // Filled in below; the host functions look it up only once the isolate runs calls.
      const live = { isolate, context, running: new Map(), progressCpu: cpu, seenCpu: cpu } as Partial<Live> as Live;
      // Sync Callbacks: inside the isolate they are plain functions (no Reference methods to
      // misuse), and cheaper to call than `Reference.applySync` (~5 µs against ~7.5 µs here).
      const relay = new ivm.Callback((callId: unknown, capability: unknown, argsJson: unknown) => this.relay(live, callId, capability, argsJson));
      const report = new ivm.Callback((callId: unknown, kind: unknown, text: unknown, stack: unknown) => this.report(live, callId, kind, text, stack));
      // The bootstrap runs before the script so it captures pristine built-ins.
      const bootstrap = await context.evalClosure(
        BOOTSTRAP_SOURCE,
        [relay, new ivm.ExternalCopy(API_ENTRIES).copyInto(), report],
        { result: { reference: true } },
      );
      const filename = moduleFileName(scriptKey(this.script.name, this.script.version));
      const module = await isolate.compileModule(this.script.code, { filename });
      const foreign = module.dependencySpecifiers.find((specifier) => specifier !== API_MODULE);
      if (foreign !== undefined) {
        throw new Error(`import '${foreign}' is not allowed: scripts may import only from '${API_MODULE}'`);
      }
      const apiModule = await isolate.compileModule('export {};', { filename: API_MODULE });
      await module.instantiate(context, () => apiModule);
      await module.evaluate({ timeout: this.config.cpuTimeLimitMs });
      const bind = await bootstrap.get('bind', { reference: true });
      await bind.apply(undefined, [module.namespace.derefInto(), this.script.hook]);
      live.module = module;
      live.invoke = await bootstrap.get('invoke', { reference: true });
      live.settle = await bootstrap.get('settle', { reference: true });
      bind.release();
      bootstrap.release();
      live.progressCpu = live.seenCpu = isolate.cpuTime;
      this.live = live;
      return live;
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw err;
    }
  }

  /** Host function: a capability call from script code. Never throws into the isolate. */
  private relay(live: Live, callId: unknown, capability: unknown, argsJson: unknown): number | string {
    try {
      // The hook has settled (or its call failed): chains it left running act no more.
      if (typeof callId !== 'number' || !live.running.has(callId)) return CALL_ENDED;
      return this.hooks.relay(callId, capability, argsJson);
    } catch (err) {
      return `the capability call failed in the sandbox worker: ${errorText(err)}`;
    }
  }

  /** Host function: the bootstrap reports a settled hook. Never throws into the isolate. */
  private report(live: Live, callId: unknown, kind: unknown, text: unknown, stack: unknown): void {
    try {
      if (typeof callId !== 'number' || typeof kind !== 'string' || !REPORT_KINDS.has(kind)) return;
      if (kind === 'ok') {
        this.finish(live, callId, this.readAnswer(typeof text === 'string' ? text : undefined));
      } else {
        const failure: Answer = { ok: false, kind: kind as 'throw' | 'invalid-result', message: String(text) };
        if (typeof stack === 'string') failure.stack = stack;
        this.finish(live, callId, failure);
      }
    } catch {
      /* nothing may cross into the isolate; the call's deadline ends it */
    }
  }

  private throwAway(live: Live, reason: Failure): void {
    if (live.discardedFor) return;
    live.discardedFor = reason;
    if (this.live === live) this.live = undefined;
    release(live);
    for (const callId of [...live.running.keys()]) this.finish(live, callId, { ok: false, ...reason });
    this.hooks.onEvent('isolate-reset', this.key, reason.message);
  }

  private readAnswer(json: string | undefined): Answer {
    if (json === undefined) return { ok: true, value: undefined };
    const bytes = Buffer.byteLength(json);
    if (bytes > this.config.maxResultBytes) {
      const message = `the result is ${bytes} bytes of JSON, more than the limit of ${this.config.maxResultBytes}`;
      return { ok: false, kind: 'invalid-result', message };
    }
    return { ok: true, value: JSON.parse(json) };
  }
}

function release(live: Live): void {
  // Each may throw once the isolate is gone; releasing is best effort, disposing frees the rest.
  const frees = [() => live.invoke?.release(), () => live.settle?.release(), () => live.module?.release(), () => live.context.release()];
  for (const free of frees) {
    try {
      free();
    } catch {
      /* already released with the isolate */
    }
  }
  if (!live.isolate.isDisposed) live.isolate.dispose();
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorStack(err: unknown): string | undefined {
  return err instanceof Error ? err.stack : undefined;
}
