/**
 * Runs a hook: the active script's version in the sandbox when there is one, the built-in
 * otherwise. A script's output is checked against the hook's schema before the OP acts on it;
 * any failure (throw, timeout, memory, crash, quarantine, bad output) fails this one call with
 * a `ScriptCallError`, is logged with the script, version and TS line, and is counted on the
 * script record.
 */
import type { Logger } from '../context.js';
import type { HookInputs, HookMeta, HookName, HookOutputs, HookRunner } from '../hooks/types.js';
import { hookValidators, validationProblem } from '../hooks/schemas.js';
import type { ScriptRepo } from '../store/ports.js';
import type { LoadedScript, SandboxError, SandboxResult } from '../sandbox/index.js';
import type { ScriptRegistry } from './registry.js';

export class ScriptCallError extends Error {
  constructor(
    readonly hook: HookName,
    readonly script: string,
    readonly version: number,
    readonly error: SandboxError,
  ) {
    super(`hook ${hook}: script ${script}@${version} failed (${error.kind}): ${error.message}`);
    this.name = 'ScriptCallError';
  }
}

/** Told about every scripted hook call, for metrics. Dry runs are not hook calls and are not told. */
export type ScriptCallObserver = (call: {
  hook: HookName;
  script: string;
  version: number;
  durationUs: number;
  /** Null when the call succeeded with a result that fits the hook's schema. */
  error: SandboxError | null;
}) => void;

export interface SandboxCaller {
  call(script: LoadedScript, input: unknown, meta: { requestId?: string; dryRun?: boolean }): Promise<SandboxResult>;
  retire(name: string, version: number): Promise<void>;
}

/** Checks a sandbox result against the hook's output schema; the failure kind when it does not fit. */
export function hookResult<H extends HookName>(hook: H, result: SandboxResult): { ok: true; value: HookOutputs[H] } | { ok: false; error: SandboxError } {
  if (!result.ok) return result;
  const validate = hookValidators[hook].output;
  if (!validate(result.value)) {
    return { ok: false, error: { kind: 'invalid-result', message: `the result does not fit the ${hook} output schema: ${validationProblem(validate)}` } };
  }
  return { ok: true, value: result.value as HookOutputs[H] };
}

export class ScriptedHookRunner implements HookRunner {
  constructor(
    private readonly builtins: HookRunner,
    private readonly registry: ScriptRegistry,
    private readonly sandbox: SandboxCaller,
    private readonly scripts: ScriptRepo,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly observe: ScriptCallObserver,
  ) {}

  async run<H extends HookName>(hook: H, input: HookInputs[H], meta: HookMeta): Promise<HookOutputs[H]> {
    const script = this.registry.activeFor(hook);
    if (!script) return this.builtins.run(hook, input, meta);
    // The OP builds the input, so a misfit here is our bug: fail loudly, never feed the script.
    const validateInput = hookValidators[hook].input;
    if (!validateInput(input)) throw new Error(`hook ${hook}: input does not fit its schema: ${validationProblem(validateInput)}`);

    const result = await this.sandbox.call(script, input, { requestId: meta.requestId });
    const outcome = hookResult(hook, result);
    this.observe({ hook, script: script.name, version: script.version, durationUs: result.durationUs, error: outcome.ok ? null : outcome.error });
    if (outcome.ok) return outcome.value;

    this.log.error(
      { hook, script: script.name, version: script.version, kind: outcome.error.kind, line: outcome.error.line, requestId: meta.requestId, scriptError: outcome.error.message },
      'interception script failed',
    );
    void this.scripts
      .recordError(script.name, script.version, outcome.error.message, this.now())
      .catch((err: unknown) => this.log.error({ err, requestId: meta.requestId }, 'recording a script error failed'));
    throw new ScriptCallError(hook, script.name, script.version, outcome.error);
  }
}
