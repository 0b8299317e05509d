/**
 * Interception scripts, assembled: the sandbox (started lazily), the capabilities it reaches,
 * the registry that follows activations, the hook runner the protocol code calls, and the
 * service behind the admin API.
 */
import type { Config } from '../config/types.js';
import type { Logger } from '../context.js';
import type { HookRunner } from '../hooks/types.js';
import type { Store } from '../store/ports.js';
import type { Notifiers } from '../notify/notifiers.js';
import type { ClientJwtVerifier } from '../oauth/client-jwt.js';
import { CapabilityHost } from './capabilities.js';
import { ScriptedHookRunner, type ScriptCallObserver } from './hook-runner.js';
import { LazySandbox } from './lazy-sandbox.js';
import { ScriptRegistry } from './registry.js';
import { ScriptService } from './service.js';

export interface Scripting {
  hooks: HookRunner;
  service: ScriptService;
  sandbox: LazySandbox;
  /** The active script versions have been loaded. */
  readonly ready: boolean;
  close(): Promise<void>;
}

export interface ScriptingDeps {
  config: Config;
  store: Store;
  kek: Uint8Array;
  notifiers: Notifiers;
  builtins: HookRunner;
  /** Behind the scripts' api.jwt. */
  verifyClientJwt: ClientJwtVerifier;
  log: Logger;
  now(): number;
  /** Metrics for every scripted hook call. */
  observeCall: ScriptCallObserver;
}

export async function createScripting({ config, store, kek, notifiers, builtins, verifyClientJwt, log, now, observeCall }: ScriptingDeps): Promise<Scripting> {
  const capabilities = new CapabilityHost({
    users: store.users,
    secrets: store.scriptSecrets,
    kek,
    notifiers,
    httpAllowList: config.scripts.httpAllowList,
    allowLoopbackHttp: config.devMode,
    log,
    verifyClientJwt,
  });
  const { workers, memoryLimitMb, cpuTimeLimitMs, deadlineMs, maxCapabilityCallsPerCall, quarantineAfterCrashes, spinMicros } = config.scripts;
  const sandbox = new LazySandbox(
    { workers, memoryLimitMb, cpuTimeLimitMs, deadlineMs, maxCapabilityCallsPerCall, quarantineAfterCrashes, spinMicros },
    capabilities.handle,
    store.scripts,
    log,
    now,
  );
  const registry = new ScriptRegistry(store.scripts, sandbox, log);
  await registry.watch(config.scriptRefreshIntervalSec);
  const hooks = new ScriptedHookRunner(builtins, registry, sandbox, store.scripts, log, now, observeCall);
  const service = new ScriptService({ config, scripts: store.scripts, secrets: store.scriptSecrets, kek, sandbox, capabilities, registry, log, now });
  return {
    hooks,
    service,
    sandbox,
    get ready() {
      return registry.loaded;
    },
    async close() {
      await registry.close();
      await sandbox.close();
    },
  };
}
