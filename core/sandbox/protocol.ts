/**
 * The messages between the supervisor (OP process) and a sandbox worker, over the fork IPC
 * channel with JSON serialization. Call ids are the supervisor's; capability-call ids are the
 * worker's; `key` is an isolate key (`isolateKey`). A worker is told a script's code once,
 * with the first call for that isolate.
 *
 * A call's input and its result travel as JSON text, parsed only at their ends (inside the
 * isolate, in the supervisor): the worker passes them through without a parse and a
 * serialization of its own, which are most of its per-call work outside the isolate.
 */

/** Limits a worker applies inside itself; passed as its one command-line argument. */
export interface WorkerConfig {
  memoryLimitMb: number;
  cpuTimeLimitMs: number;
  maxResultBytes: number;
  maxCapabilityArgBytes: number;
  maxCapabilityCallsPerCall: number;
  spinMicros: number;
}

export interface ScriptSource {
  name: string;
  version: number;
  hook: string;
  code: string;
}

/** The answer to a capability call, and what a host function hands into an isolate. */
export type Envelope = { ok: true; value: unknown } | { ok: false; error: string };

/** Failure kinds a worker can tell apart; the supervisor adds crash, timeout and quarantined. */
export type WorkerFailureKind = 'throw' | 'cpu' | 'memory' | 'timeout' | 'invalid-result' | 'compile';

/** `json` is the result's JSON text; absent when the hook returned undefined. */
export type CallOutcome =
  | { ok: true; json?: string }
  | { ok: false; kind: WorkerFailureKind; message: string; stack?: string };

export type ToWorker =
  /** `input`: the hook input's JSON text (absent for undefined). */
  | { t: 'call'; id: number; key: string; script?: ScriptSource; input?: string }
  /** The supervisor's deadline passed: stop the call; answer `cancelled`. */
  | { t: 'cancel'; id: number }
  | { t: 'retire'; key: string }
  | { t: 'capResult'; capId: number; envelope: Envelope };

/**
 * `polls` on a result or a capability call: the worker keeps polling for its next message for
 * a while instead of sleeping (busy-poll.ts), so the supervisor may poll for the answer to what
 * it sends next without its message having to wake the worker.
 */
export type FromWorker =
  | { t: 'ready' }
  | { t: 'result'; id: number; outcome: CallOutcome; polls: boolean }
  | { t: 'cap'; id: number; capId: number; capability: string; args: unknown[]; polls: boolean }
  | { t: 'cancelled'; id: number }
  /** An isolate of `key` failed beyond recovery; the worker kills itself right after. */
  | { t: 'fatal'; key: string; message: string }
  /** Something worth logging happened to `key`'s isolate (reset, runaway code). */
  | { t: 'event'; event: string; key: string; detail: string };
