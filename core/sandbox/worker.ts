/**
 * A sandbox worker process, forked by the pool. It holds the isolates of the script versions
 * it was asked to run and relays every capability call to the OP process; it has no secrets,
 * connections or credentials of its own. Some V8 failures cannot be survived in-process, so
 * when one happens this process reports it and kills itself, and the pool replaces it.
 *
 * A call ends only once the capability calls it started have settled (or were cancelled on
 * the deadline); a capability call made after its hook settled, or from a call that has ended,
 * is refused, so left-over promise chains in a script cannot keep acting after their call.
 *
 * Script code runs on this process's main thread, in synchronous entries into the isolates
 * (see version-runtime.ts); the stall guard, on a thread of its own, kills the process if one
 * of them never returns.
 */
import type { CallOutcome, Envelope, FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import { BusyPoll } from './busy-poll.js';
import { CALL_ENDED, capabilityBudgetProblem } from './capabilities.js';
import { CpuWatchdog, watchIntervalMs } from './cpu-watchdog.js';
import { StallGuard } from './stall-guard.js';
import { TIMEOUT_GRAIN_MS, VersionRuntime, type RuntimeHooks } from './version-runtime.js';

interface CallState {
  id: number;
  runtime: VersionRuntime;
  capabilityCalls: number;
  /** Ids of its capability calls sent to the OP and not answered yet. */
  pending: Set<number>;
  closed: boolean;
  /** Runs once `pending` is empty: the hook settled while capability calls were still out. */
  onIdle?: () => void;
}

const config = JSON.parse(process.argv[2] ?? '') as WorkerConfig;
const runtimes = new Map<string, VersionRuntime>();
const calls = new Map<number, CallState>();
/** Every unanswered capability call, and whose it is. */
const waiting = new Map<number, CallState>();
let nextCapabilityId = 1;
/** After a result or a capability call: the next call or the answer usually follows at once. */
const poll = new BusyPoll(config.spinMicros);

const intervalMs = watchIntervalMs(config.cpuTimeLimitMs);
const watchdog = new CpuWatchdog(intervalMs, () => {
  let busy = calls.size > 0;
  for (const runtime of runtimes.values()) busy = runtime.watch() || busy;
  return busy;
});

const guard = new StallGuard(config.cpuTimeLimitMs + TIMEOUT_GRAIN_MS);

const hooks: RuntimeHooks = {
  relay: relayCapability,
  onCatastrophic: (key, message) => die({ t: 'fatal', key, message }),
  onEvent: (event, key, detail) => send({ t: 'event', event, key, detail }),
  enter: (key) => guard.enter(key),
  leave: () => guard.leave(),
};

function send(message: FromWorker): void {
  process.send?.(message);
}

/** Leaves at once: an isolate thread that is stuck or still looping would keep a normal exit waiting forever. */
function die(last?: FromWorker): void {
  const kill = (): void => {
    process.kill(process.pid, 'SIGKILL');
  };
  if (last && process.connected) {
    process.send?.(last, kill);
    setTimeout(kill, 1000);
  } else {
    kill();
  }
}

function runCall(message: Extract<ToWorker, { t: 'call' }>): void {
  let runtime = runtimes.get(message.key);
  if (!runtime && message.script) {
    runtime = new VersionRuntime(message.key, message.script, config, hooks, intervalMs);
    runtimes.set(message.key, runtime);
  }
  if (!runtime) {
    const outcome: CallOutcome = { ok: false, kind: 'compile', message: 'the worker was not given this version' };
    send({ t: 'result', id: message.id, outcome, polls: false });
    return;
  }
  const call: CallState = { id: message.id, runtime, capabilityCalls: 0, pending: new Set(), closed: false };
  calls.set(call.id, call);
  watchdog.wake();
  runtime.call(call.id, message.input, (outcome) => answer(call, outcome));
}

/** Sends a call's outcome once the capability calls it started have settled. */
function answer(call: CallState, outcome: CallOutcome): void {
  if (call.pending.size > 0) {
    call.onIdle = () => answer(call, outcome);
    return;
  }
  close(call);
  send({ t: 'result', id: call.id, outcome, polls: poll.hold() });
}

function close(call: CallState): void {
  call.closed = true;
  calls.delete(call.id);
}

/**
 * The host function behind every isolate's `api`, called from inside an entry into it. It
 * must never throw into the isolate (that can take the process down), so every path answers:
 * the capability call's id, whose answer goes in through `settleCapability`, or why it is refused.
 */
function relayCapability(callId: number, capability: unknown, argsJson: unknown): number | string {
  const call = calls.get(callId);
  if (!call || call.closed) return CALL_ENDED;
  if (typeof capability !== 'string' || typeof argsJson !== 'string') return 'malformed capability call';
  // The pool enforces this limit too; here it also keeps a call's flood off the IPC channel
  // and out of the watchdog's progress marks.
  const overBudget = capabilityBudgetProblem(++call.capabilityCalls, config.maxCapabilityCallsPerCall);
  if (overBudget) return overBudget;
  const bytes = Buffer.byteLength(argsJson);
  if (bytes > config.maxCapabilityArgBytes) {
    return `the arguments are ${bytes} bytes of JSON, more than the limit of ${config.maxCapabilityArgBytes}`;
  }
  call.runtime.markProgress();
  const capId = nextCapabilityId++;
  try {
    const args = JSON.parse(argsJson) as unknown[];
    send({ t: 'cap', id: call.id, capId, capability, args, polls: poll.hold() });
  } catch (err) {
    return `the capability call failed in the sandbox worker: ${err instanceof Error ? err.message : String(err)}`;
  }
  call.pending.add(capId);
  waiting.set(capId, call);
  return capId;
}

function refuse(error: string): Envelope {
  return { ok: false, error };
}

function settleCapability(capId: number, envelope: Envelope): void {
  const call = waiting.get(capId);
  if (!call) return;
  waiting.delete(capId);
  call.pending.delete(capId);
  // Runs the script code waiting on it, to its next wait, before the call may end.
  call.runtime.settle(capId, envelope);
  if (call.pending.size === 0) call.onIdle?.();
}

/**
 * The pool's deadline passed. A call waiting on capabilities is cut loose from them; a call
 * waiting on nothing from outside is stuck inside its isolate, which is thrown away.
 */
function cancel(id: number): void {
  const call = calls.get(id);
  if (call) {
    close(call);
    if (call.pending.size > 0) {
      for (const capId of [...call.pending]) settleCapability(capId, refuse('cancelled: the hook call passed its deadline'));
    } else {
      const message = 'a call passed its deadline while running inside the isolate; the isolate was reset';
      call.runtime.discard({ kind: 'timeout', message });
    }
  }
  send({ t: 'cancelled', id });
}

process.on('message', (raw) => {
  const message = raw as ToWorker;
  poll.heard();
  switch (message.t) {
    case 'call':
      runCall(message);
      break;
    case 'capResult':
      settleCapability(message.capId, message.envelope);
      break;
    case 'cancel':
      cancel(message.id);
      break;
    case 'retire':
      runtimes.get(message.key)?.retire();
      runtimes.delete(message.key);
      break;
  }
});

// The pool went away (or closed us): nothing here is worth a clean shutdown.
process.on('disconnect', () => die());
process.on('uncaughtException', (err) => {
  process.stderr.write(`sandbox worker: ${err.stack ?? err.message}\n`);
  die();
});

send({ t: 'ready' });
