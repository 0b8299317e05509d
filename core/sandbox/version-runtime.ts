/**
 * One script version inside a worker: a warm isolate with one context in which the module was
 * evaluated once, so module-level state lives as long as the version does (a context per call
 * would cost ~240 µs). The isolate is built on first use and rebuilt on the next call after it
 * was thrown away: by isolated-vm when the memory limit is hit, or here when code ran away
 * (CPU watchdog) or a call passed its deadline while running inside it. The calls running in
 * a thrown-away isolate fail with the reason.
 */
import type IsolatedVm from 'isolated-vm';
import ivm from './isolated-vm.js';
import { BOOTSTRAP_SOURCE } from './bootstrap.js';
import { CAPABILITY_ARITY } from './capabilities.js';
import type { CallOutcome, Envelope, ScriptSource, WorkerConfig, WorkerFailureKind } from './protocol.js';
import { moduleFileName, scriptKey } from './script-key.js';

/** The worker function every isolate's bootstrap forwards capability calls to. */
export type CapabilityRelay = (callId: unknown, capability: unknown, argsJson: unknown) => Promise<Envelope>;

export interface RuntimeHooks {
  relay: CapabilityRelay;
  /** isolated-vm lost control of an isolate: the process must go. */
  onCatastrophic: (key: string, message: string) => void;
  onEvent: (event: string, key: string, detail: string) => void;
}

interface Failure {
  kind: WorkerFailureKind;
  message: string;
  stack?: string;
}

type Answer = { ok: true; value: unknown } | ({ ok: false } & Failure);

/** What the bootstrap's `invoke` answers (built by trusted code, plain data). */
type IsolateAnswer =
  | { ok: true; json?: string }
  | { ok: false; kind: 'throw' | 'invalid-result'; message: string; stack?: string };

interface Live {
  isolate: IsolatedVm.Isolate;
  context: IsolatedVm.Context;
  module: IsolatedVm.Module;
  invoke: IsolatedVm.Reference<(callId: number, input: unknown) => Promise<IsolateAnswer>>;
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
  }

  async call(callId: number, input: unknown): Promise<CallOutcome> {
    let live: Live;
    try {
      live = await this.load();
    } catch (err) {
      return { ok: false, kind: 'compile', message: `could not load: ${errorText(err)}`, stack: errorStack(err), cpuUs: 0 };
    }
    const cpuStart = live.isolate.cpuTime;
    try {
      const answer = await live.invoke.apply(undefined, [callId, input], {
        arguments: { copy: true },
        result: { promise: true, copy: true },
        // Stops a loop in the call's first run (and its in-isolate awaits) without losing the
        // isolate; code resumed by a capability result is left to the watchdog.
        timeout: this.config.cpuTimeLimitMs,
      });
      return { ...this.readAnswer(answer), cpuUs: cpuSince(live, cpuStart) };
    } catch (err) {
      return { ok: false, ...this.failureOf(live, err), cpuUs: cpuSince(live, cpuStart) };
    } finally {
      this.markProgress();
    }
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
      // The bootstrap runs before the script so it captures pristine built-ins.
      const bootstrap = await context.evalClosure(
        BOOTSTRAP_SOURCE,
        [new ivm.Reference(this.hooks.relay), new ivm.ExternalCopy(API_ENTRIES).copyInto()],
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
      const invoke = await bootstrap.get('invoke', { reference: true });
      bind.release();
      bootstrap.release();
      const cpu = isolate.cpuTime;
      const live: Live = { isolate, context, module, invoke, progressCpu: cpu, seenCpu: cpu };
      this.live = live;
      return live;
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw err;
    }
  }

  private throwAway(live: Live, reason: Failure): void {
    if (live.discardedFor) return;
    live.discardedFor = reason;
    if (this.live === live) this.live = undefined;
    release(live);
    this.hooks.onEvent('isolate-reset', this.key, reason.message);
  }

  private readAnswer(answer: IsolateAnswer): Answer {
    if (!answer.ok) return answer;
    if (answer.json === undefined) return { ok: true, value: undefined };
    const bytes = Buffer.byteLength(answer.json);
    if (bytes > this.config.maxResultBytes) {
      const message = `the result is ${bytes} bytes of JSON, more than the limit of ${this.config.maxResultBytes}`;
      return { ok: false, kind: 'invalid-result', message };
    }
    return { ok: true, value: JSON.parse(answer.json) };
  }

  private failureOf(live: Live, err: unknown): Failure {
    if (!live.discardedFor && live.isolate.isDisposed) {
      // Disposed by isolated-vm itself, which only does so when the memory limit is hit.
      const message = `exceeded its memory limit (${this.config.memoryLimitMb} MB); its isolate was reset`;
      this.throwAway(live, { kind: 'memory', message });
    }
    if (live.discardedFor) return live.discardedFor;
    if (errorText(err) === TIMED_OUT) {
      return { kind: 'cpu', message: `exceeded its CPU time limit (${this.config.cpuTimeLimitMs} ms)` };
    }
    return { kind: 'throw', message: errorText(err), stack: errorStack(err) };
  }
}

function release(live: Live): void {
  // Each may throw once the isolate is gone; releasing is best effort, disposing frees the rest.
  for (const free of [() => live.invoke.release(), () => live.module.release(), () => live.context.release()]) {
    try {
      free();
    } catch {
      /* already released with the isolate */
    }
  }
  if (!live.isolate.isDisposed) live.isolate.dispose();
}

function cpuSince(live: Live, start: bigint): number {
  return live.isolate.isDisposed ? 0 : Number((live.isolate.cpuTime - start) / 1000n);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorStack(err: unknown): string | undefined {
  return err instanceof Error ? err.stack : undefined;
}
