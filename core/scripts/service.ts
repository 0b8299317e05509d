/**
 * What operators do with scripts, behind the admin API and the CLI: push a version (compiled,
 * optionally type-checked, stored immutably, history capped), activate or roll back, dry-run
 * any version or unsaved source with sample input, and manage script-scoped secrets.
 */
import { randomUUID } from 'node:crypto';
import { oauthError } from '../errors.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../context.js';
import type { HookName } from '../hooks/types.js';
import { hookValidators, isHookName, validationProblem } from '../hooks/schemas.js';
import type { ScriptRecord, ScriptRepo, ScriptSecretRepo, ScriptVersionRecord } from '../store/ports.js';
import type { CompiledScript, LoadedScript, SandboxError } from '../sandbox/index.js';
import { seal } from '../crypto/sealed.js';
import type { CapabilityHost, Recording } from './capabilities.js';
import { hookResult, type SandboxCaller } from './hook-runner.js';
import type { ScriptRegistry } from './registry.js';
import type { TypeProblem } from './typecheck.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_SOURCE_BYTES = 256 * 1024;

export interface ScriptServiceDeps {
  config: Config;
  scripts: ScriptRepo;
  secrets: ScriptSecretRepo;
  kek: Uint8Array;
  sandbox: SandboxCaller;
  capabilities: CapabilityHost;
  registry: ScriptRegistry;
  log: Logger;
  now(): number;
}

export interface PushInput {
  name: string;
  hook: string;
  source: string;
  author: string;
  activate: boolean;
}

export type VersionSummary = Omit<ScriptVersionRecord, 'source' | 'code' | 'sourceMap'>;

export interface DryRunInput {
  input: unknown;
  version?: number;
  /** Unsaved source to try instead of a stored version (needs `hook` for a new name). */
  source?: string;
  hook?: string;
}

export interface DryRunReport {
  ok: boolean;
  result?: unknown;
  error?: SandboxError;
  calls: Recording['calls'];
  logs: Recording['logs'];
  durationUs: number;
}

function summary(version: ScriptVersionRecord): VersionSummary {
  const { source: _source, code: _code, sourceMap: _map, ...rest } = version;
  return rest;
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw oauthError('invalid_request', 'script names are 1-64 characters of letters, digits, _ . - and start with a letter or digit');
}

function checkHook(hook: string): asserts hook is HookName {
  if (!isHookName(hook)) throw oauthError('invalid_request', `unknown hook ${hook}`);
}

/**
 * esbuild and the TypeScript compiler weigh ~90 MB of memory between them: they are loaded on
 * the first push or check, so an OP whose scripts never change does not carry them.
 */
async function compile(name: string, version: number, source: string): Promise<CompiledScript> {
  const { CompileError, compileScript } = await import('../sandbox/compile.js');
  try {
    return compileScript(name, version, source);
  } catch (err) {
    if (!(err instanceof CompileError)) throw err;
    throw oauthError('invalid_request', `compile error${err.line ? ` at line ${err.line}:${err.column ?? 0}` : ''}: ${err.message}`);
  }
}

async function typeCheck(source: string, hook: string): Promise<TypeProblem[]> {
  return (await import('./typecheck.js')).typeCheckScript(source, hook);
}

export class ScriptService {
  private draftSerial = 0;

  constructor(private readonly deps: ScriptServiceDeps) {}

  async list(): Promise<ScriptRecord[]> {
    return this.deps.scripts.list();
  }

  async show(name: string): Promise<{ script: ScriptRecord; active: ScriptVersionRecord | null }> {
    const script = await this.mustGet(name);
    const active = script.activeVersion === null ? null : await this.deps.scripts.getVersion(name, script.activeVersion);
    return { script, active };
  }

  async history(name: string): Promise<VersionSummary[]> {
    await this.mustGet(name);
    return (await this.deps.scripts.listVersions(name)).map(summary);
  }

  async version(name: string, version: number): Promise<ScriptVersionRecord> {
    const found = await this.deps.scripts.getVersion(name, version);
    if (!found) throw oauthError('not_found', `script ${name} has no version ${version}`);
    return found;
  }

  /** Type problems of a source against scripts/ciba-script.d.ts (the CLI's `check`). */
  async check(source: string, hook: string): Promise<TypeProblem[]> {
    checkHook(hook);
    return typeCheck(source, hook);
  }

  async push(input: PushInput): Promise<{ version: VersionSummary; script: ScriptRecord }> {
    checkName(input.name);
    checkHook(input.hook);
    if (Buffer.byteLength(input.source) > MAX_SOURCE_BYTES) throw oauthError('invalid_request', `script source exceeds ${MAX_SOURCE_BYTES} bytes`);
    const compiled = await compile(input.name, 0, input.source);
    if (this.deps.config.scripts.typeCheckOnPush) {
      const problems = await typeCheck(input.source, input.hook);
      if (problems.length) {
        const first = problems[0] as TypeProblem;
        throw oauthError('invalid_request', `type check failed (${problems.length} problem(s)); first at line ${first.line}: ${first.message.split('\n')[0]}`);
      }
    }
    const stored = await this.deps.scripts.addVersion({
      name: input.name,
      hook: input.hook,
      source: input.source,
      code: compiled.code,
      sourceMap: compiled.sourceMap,
      checksum: compiled.checksum,
      author: input.author,
      createdAt: this.deps.now(),
    });
    if (!stored) throw oauthError('conflict', `script ${input.name} exists for another hook; a name keeps its hook`);
    this.deps.log.info({ script: stored.name, version: stored.version, hook: stored.hook, author: stored.author, checksum: stored.checksum }, 'script version pushed');
    const script = input.activate ? await this.activate(input.name, stored.version) : await this.mustGet(input.name);
    await this.deps.scripts.prune(input.name, this.deps.config.scripts.historyLimit, script.activeVersion);
    return { version: summary(stored), script };
  }

  /**
   * Makes `version` the one answering its hook (null: back to the built-in). One script per
   * hook is active, so activating one deactivates the others of that hook.
   */
  async activate(name: string, version: number | null): Promise<ScriptRecord> {
    const script = await this.mustGet(name);
    if (version !== null && !(await this.deps.scripts.getVersion(name, version))) {
      throw oauthError('not_found', `script ${name} has no version ${version}`);
    }
    const now = this.deps.now();
    if (version !== null) {
      for (const other of await this.deps.scripts.list()) {
        if (other.hook === script.hook && other.name !== name && other.activeVersion !== null) {
          await this.deps.scripts.setActive(other.name, null, now);
        }
      }
    }
    const updated = (await this.deps.scripts.setActive(name, version, now)) as ScriptRecord;
    await this.deps.scripts.bumpRevision();
    await this.deps.registry.reload();
    this.deps.log.info({ script: name, version, hook: script.hook }, version === null ? 'script deactivated' : 'script version activated');
    return updated;
  }

  async dryRun(name: string, request: DryRunInput): Promise<DryRunReport> {
    const script = await this.loadForDryRun(name, request);
    const hook = script.hook as HookName;
    const validateInput = hookValidators[hook].input;
    if (!validateInput(request.input)) {
      throw oauthError('invalid_request', `input does not fit the ${hook} input schema: ${validationProblem(validateInput)}`);
    }
    const requestId = `dry-run-${randomUUID()}`;
    const recording = this.deps.capabilities.record(requestId);
    const raw = await this.deps.sandbox.call(script, request.input, { requestId, dryRun: true });
    const { calls, logs } = recording.finish();
    if (script.version < 0) await this.deps.sandbox.retire(script.name, script.version);
    const outcome = hookResult(hook, raw);
    return outcome.ok
      ? { ok: true, result: outcome.value, calls, logs, durationUs: raw.durationUs }
      : { ok: false, error: outcome.error, calls, logs, durationUs: raw.durationUs };
  }

  private async loadForDryRun(name: string, request: DryRunInput): Promise<LoadedScript> {
    checkName(name);
    if (request.source !== undefined) {
      const existing = await this.deps.scripts.get(name);
      const hook = existing?.hook ?? request.hook;
      if (hook === undefined) throw oauthError('invalid_request', 'hook is required to dry-run source under a new name');
      checkHook(hook);
      // Unsaved source runs as a negative, never-stored version of its own, retired after the run.
      const version = -(++this.draftSerial);
      const compiled = await compile(name, version, request.source);
      return { name, version, hook, code: compiled.code, sourceMap: compiled.sourceMap };
    }
    const script = await this.mustGet(name);
    const number = request.version ?? script.activeVersion ?? script.latestVersion;
    const version = await this.version(name, number);
    return { name, version: version.version, hook: version.hook, code: version.code, sourceMap: version.sourceMap };
  }

  async setSecret(script: string, secret: string, value: string): Promise<void> {
    checkName(script);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(secret)) throw oauthError('invalid_request', 'secret names are 1-64 characters of letters, digits, _ . -');
    if (value.length === 0 || value.length > 8192) throw oauthError('invalid_request', 'secret values are 1-8192 characters');
    await this.deps.secrets.set(script, secret, await seal(value, this.deps.kek), this.deps.now());
    this.deps.log.info({ script, secret }, 'script secret set');
  }

  async listSecrets(script: string): Promise<string[]> {
    return this.deps.secrets.list(script);
  }

  async deleteSecret(script: string, secret: string): Promise<void> {
    if (!(await this.deps.secrets.delete(script, secret))) throw oauthError('not_found', `script ${script} has no secret ${secret}`);
  }

  private async mustGet(name: string): Promise<ScriptRecord> {
    const script = await this.deps.scripts.get(name);
    if (!script) throw oauthError('not_found', `no script named ${name}`);
    return script;
  }
}
