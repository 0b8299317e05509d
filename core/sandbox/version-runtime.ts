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

/** Hears how a call ended, once. */
export type CallDone = (outcome: CallOutcome) => void;

type Entry = IsolatedVm.Reference<(...args: never[]) => void>;

interface Live {
  isolate: IsolatedVm.Isolate;
  context: IsolatedVm.Context;
  module: IsolatedVm.Module;
  invoke: Entry;
  settle: Entry;
  /** Calls started in this isolate whose hook has not settled, by call id. */
  running: Map<number, CallDone>;
  /**
   * Script code showed it yields (a call settled, a capability call) since the watchdog's last
   * look. A flag rather than a reading of isolate.cpuTime: a clock read costs a system call,
   * several µs right after the worker wakes, on every call.
   */
  progressed: boolean;
  /** isolate.cpuTime at the watchdog's last look that followed progress. */
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
  /** True during a synchronous entry, when calls that settle are queued in `settled`. */
  private inEntry = false;
  /** Calls settled during the current entry, answered once it returns (not from inside a host callback). */
  private settled: Array<[CallDone, CallOutcome]> = [];
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

  /**
   * Runs one call with its input's JSON text (parsed inside the isolate); `done` hears once how
   * it ended — right after the entry when the hook settles without waiting on a capability, so
   * a trivial call costs no promise turn. Never throws.
   */
  call(callId: number, inputJson: string | undefined, done: CallDone): void {
    const live = this.live;
    if (live && !live.isolate.isDisposed) {
      this.start(live, callId, inputJson, done);
      return;
    }
    this.load().then(
      (built) => this.start(built, callId, inputJson, done),
      (err: unknown) => done({ ok: false, kind: 'compile', message: `could not load: ${errorText(err)}`, stack: errorStack(err) }),
    );
  }

  private start(live: Live, callId: number, inputJson: string | undefined, done: CallDone): void {
    // Calls that waited on one build start one after another: an earlier one may have thrown
    // this isolate away (its memory limit), and the next then needs a new one.
    if (live.discardedFor || live.isolate.isDisposed) {
      this.call(callId, inputJson, done);
      return;
    }
    live.running.set(callId, done);
    this.enter(live, live.invoke, [callId, inputJson], callId);
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

  /** Script code showed it yields: restart the runaway count (at the watchdog's next look). */
  markProgress(): void {
    if (this.live) this.live.progressed = true;
  }

  /**
   * One watchdog look: throws a runaway isolate away; tells whether the isolate used CPU since
   * the last look. Progress is counted from the look that sees its flag, so code that runs away
   * right after a call settled is reset up to one watch interval later than if progress had
   * been timed exactly.
   */
  watch(): boolean {
    const live = this.live;
    if (!live || live.isolate.isDisposed) return false;
    const cpu = live.isolate.cpuTime;
    const busy = cpu !== live.seenCpu;
    live.seenCpu = cpu;
    if (live.progressed) {
      live.progressed = false;
      live.progressCpu = cpu;
    }
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
    this.inEntry = true;
    try {
      entry.applySync(undefined, args as never[], this.entryOptions);
    } catch (err) {
      this.entryFailed(live, err, callId);
    } finally {
      this.inEntry = false;
      this.hooks.leave();
    }
    const settled = this.settled;
    if (settled.length === 0) return;
    this.settled = [];
    for (const [done, outcome] of settled) done(outcome);
  }

  private entryFailed(live: Live, err: unknown, callId: number | undefined): void {
    if (!live.discardedFor && live.isolate.isDisposed) {
      // Disposed by isolated-vm itself, which only does so when the memory limit is hit.
      const message = `exceeded its memory limit (${this.config.memoryLimitMb} MB); its isolate was reset`;
      this.throwAway(live, { kind: 'memory', message });
    }
    if (live.discardedFor) {
      // throwAway answered the calls running; one whose entry it was answers here if it was not among them.
      if (callId !== undefined) this.finish(live, callId, { ok: false, ...live.discardedFor });
      return;
    }
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
  private finish(live: Live, callId: number, outcome: CallOutcome): void {
    const done = live.running.get(callId);
    if (!done) return;
    live.running.delete(callId);
    // A call settled: script code yields (see `watch`).
    live.progressed = true;
    if (this.inEntry) this.settled.push([done, outcome]);
    else done(outcome);
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
      const live = { isolate, context, running: new Map(), progressed: false, progressCpu: cpu, seenCpu: cpu } as Partial<Live> as Live;
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
        const failure: CallOutcome = { ok: false, kind: kind as 'throw' | 'invalid-result', message: String(text) };
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

  /** The result goes on as JSON text; the supervisor parses it. */
  private readAnswer(json: string | undefined): CallOutcome {
    if (json === undefined) return { ok: true };
    const bytes = Buffer.byteLength(json);
    if (bytes > this.config.maxResultBytes) {
      const message = `the result is ${bytes} bytes of JSON, more than the limit of ${this.config.maxResultBytes}`;
      return { ok: false, kind: 'invalid-result', message };
    }
    return { ok: true, json };
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
