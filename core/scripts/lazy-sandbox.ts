/**
 * The sandbox pool, started on the first scripted call: an OP with no active script never
 * pays for worker processes. Quarantines the pool decides are written to the script record.
 */
import type { Logger } from '../context.js';
import type { ScriptRepo } from '../store/ports.js';
// pool.js, not index.js: the index also exports the compiler, which loads esbuild.
import { SandboxPool } from '../sandbox/pool.js';
import type { CallMeta, CapabilityHost, LoadedScript, SandboxOptions, SandboxResult, SandboxStats } from '../sandbox/index.js';
import type { SandboxCaller } from './hook-runner.js';

export class LazySandbox implements SandboxCaller {
  private readonly pool: SandboxPool;
  private starting: Promise<void> | null = null;

  constructor(options: Partial<SandboxOptions>, host: CapabilityHost, scripts: ScriptRepo, log: Logger, now: () => number) {
    // Worker starts are routine; deaths, failures and resets are what an operator must see.
    this.pool = new SandboxPool(options, host, (entry) => {
      const event = (entry as { event?: string }).event ?? '';
      if (event === 'sandbox.worker.started') log.info(entry, event);
      else log.warn(entry, event || 'sandbox');
    });
    this.pool.on('quarantine', ({ name, version, reason }) => {
      log.error({ script: name, version, reason }, 'script version quarantined');
      void scripts.recordQuarantine(name, version, reason, now()).catch((err: unknown) => log.error({ err }, 'recording a quarantine failed'));
    });
  }

  /** The limits the pool runs with (the `scripts.*` configuration, defaults filled in). */
  get options(): Readonly<SandboxOptions> {
    return this.pool.options;
  }

  async call(script: LoadedScript, input: unknown, meta: CallMeta): Promise<SandboxResult> {
    this.starting ??= this.pool.start();
    await this.starting;
    return this.pool.call(script, input, meta);
  }

  async retire(name: string, version: number): Promise<void> {
    if (this.starting) await this.pool.retire(name, version);
  }

  get started(): boolean {
    return this.starting !== null;
  }

  stats(): SandboxStats | null {
    return this.starting ? this.pool.stats() : null;
  }

  async close(): Promise<void> {
    if (this.starting) {
      await this.starting.catch(() => undefined);
      await this.pool.close();
    }
  }
}
