/**
 * The sandbox engine's public types: what the script registry hands in (`LoadedScript`), what
 * it gets back (`SandboxResult`), and the one function it provides so scripts can reach the
 * OP (`CapabilityHost`). Everything crossing the process boundary is plain JSON.
 */

export interface SandboxOptions {
  /** Sandbox worker processes (each holds the isolates of the versions it has run). */
  workers: number;
  /** Heap limit of one script version's isolate. */
  memoryLimitMb: number;
  /** CPU one uninterrupted run of script code may use (see README "Limits"). */
  cpuTimeLimitMs: number;
  /** Wall-clock limit of one hook call, enforced by the supervisor in the OP process. */
  deadlineMs: number;
  /** Capability calls one hook call may make; later ones are rejected inside the script. */
  maxCapabilityCallsPerCall: number;
  /** Largest hook result (UTF-8 bytes of its JSON). */
  maxResultBytes: number;
  /** Largest argument list of one capability call (UTF-8 bytes of its JSON). */
  maxCapabilityArgBytes: number;
  /** Worker deaths attributed to one version within `quarantineWindowMs` that quarantine it. */
  quarantineAfterCrashes: number;
  quarantineWindowMs: number;
  /**
   * How long a worker (after each result or capability call it sends) and the supervisor (for
   * the answer from a worker that polls) keep their event loop polling instead of sleeping, in
   * µs; 0: never (see busy-poll.ts).
   */
  spinMicros: number;
}

export const DEFAULT_SANDBOX_OPTIONS: Readonly<SandboxOptions> = Object.freeze({
  workers: 2,
  memoryLimitMb: 32,
  cpuTimeLimitMs: 250,
  deadlineMs: 2000,
  maxCapabilityCallsPerCall: 20,
  maxResultBytes: 256 * 1024,
  maxCapabilityArgBytes: 64 * 1024,
  quarantineAfterCrashes: 3,
  quarantineWindowMs: 10 * 60 * 1000,
  spinMicros: 200,
});

/** One immutable script version as the registry keeps it (`code`/`sourceMap` from `compileScript`). */
export interface LoadedScript {
  name: string;
  version: number;
  /** The hook it implements; the module must export a function of that name. */
  hook: string;
  code: string;
  sourceMap: string;
}

export type SandboxErrorKind =
  | 'throw'
  | 'timeout'
  | 'cpu'
  | 'memory'
  | 'crash'
  | 'quarantined'
  | 'invalid-result'
  | 'compile';

export interface SandboxError {
  kind: SandboxErrorKind;
  /** Names `name@version`, and `name@version.ts:line:column` when the TS position is known. */
  message: string;
  /** 1-based TS line and column, when the failure points into the script. */
  line?: number;
  column?: number;
}

export type SandboxResult =
  | { ok: true; value: unknown; durationUs: number }
  | { ok: false; error: SandboxError; durationUs: number };

/** One capability call a script made, as the OP executes it. */
export interface CapabilityCall {
  /** e.g. `notify.email`, `users.find`, `log`, `secrets.get`, `http.post`. */
  capability: string;
  /** The script's arguments, JSON data, arity already checked. */
  args: unknown[];
  script: string;
  version: number;
  requestId?: string;
  dryRun: boolean;
}

/**
 * Executes capability calls in the OP process. Its result (JSON data) resolves the script's
 * promise; a throw or rejection rejects it with the error's message. It is never exposed to
 * the script itself.
 */
export type CapabilityHost = (call: CapabilityCall) => Promise<unknown>;

export interface CallMeta {
  requestId?: string;
  /** Passed to the CapabilityHost, which records instead of performing. */
  dryRun?: boolean;
}

export interface QuarantineRecord {
  name: string;
  version: number;
  reason: string;
}

export interface SandboxStats {
  workers: Array<{ pid: number | undefined; ready: boolean; inFlight: number; loadedVersions: string[] }>;
  inFlight: number;
  calls: number;
  workerRestarts: number;
  quarantined: QuarantineRecord[];
}
