/**
 * Which script version answers each hook, in this process. The table is rebuilt from the store
 * and swapped in one assignment, so a call looks up its version once and finishes on it even
 * if an activation lands meanwhile; versions that left the table are retired from the sandbox
 * once their in-flight calls are done.
 *
 * Activations reach other processes by a MongoDB change stream where there is one, and by
 * polling the store's revision counter every `scriptRefreshIntervalSec` in any case.
 */
import type { Logger } from '../context.js';
import type { HookName } from '../hooks/types.js';
import { isHookName } from '../hooks/schemas.js';
import type { ScriptRepo } from '../store/ports.js';
import type { LoadedScript } from '../sandbox/index.js';

export interface Retirer {
  retire(name: string, version: number): Promise<void>;
}

export class ScriptRegistry {
  private table = new Map<HookName, LoadedScript>();
  private revision = -1;
  private timer: NodeJS.Timeout | null = null;
  private stopWatch: (() => Promise<void>) | null = null;
  private reloading: Promise<void> | null = null;

  constructor(
    private readonly scripts: ScriptRepo,
    private readonly sandbox: Retirer,
    private readonly log: Logger,
  ) {}

  /** The table has been read from the store at least once (readiness). */
  get loaded(): boolean {
    return this.revision >= 0;
  }

  activeFor(hook: HookName): LoadedScript | undefined {
    return this.table.get(hook);
  }

  /** Rebuilds the table from the store; concurrent callers share one reload. */
  reload(): Promise<void> {
    this.reloading ??= this.rebuild().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  private async rebuild(): Promise<void> {
    const revision = await this.scripts.revision();
    const next = new Map<HookName, LoadedScript>();
    for (const script of await this.scripts.list()) {
      if (script.activeVersion === null || !isHookName(script.hook)) continue;
      const version = await this.scripts.getVersion(script.name, script.activeVersion);
      if (!version) {
        this.log.error({ script: script.name, version: script.activeVersion }, 'active script version missing from the store');
        continue;
      }
      next.set(script.hook, { name: version.name, version: version.version, hook: version.hook, code: version.code, sourceMap: version.sourceMap });
    }
    const previous = this.table;
    this.table = next;
    this.revision = revision;
    for (const [hook, old] of previous) {
      const current = next.get(hook);
      if (current?.name === old.name && current.version === old.version) continue;
      this.log.info({ hook, script: old.name, version: old.version, replacedBy: current ? `${current.name}@${current.version}` : 'built-in' }, 'script version retired');
      void this.sandbox.retire(old.name, old.version).catch((err: unknown) => this.log.error({ err }, 'retiring a script version failed'));
    }
  }

  /**
   * Starts following activations made by other processes: a change stream makes it immediate
   * where the store has one, and the revision poll runs regardless, so a broken stream costs
   * at most one interval.
   */
  async watch(intervalSec: number): Promise<void> {
    await this.reload();
    this.stopWatch = await this.scripts.watchRevision(() => void this.reload().catch((err: unknown) => this.log.error({ err }, 'script reload failed')));
    this.timer = setInterval(() => {
      void this.pollRevision().catch((err: unknown) => this.log.error({ err }, 'script revision poll failed'));
    }, intervalSec * 1000);
    this.timer.unref();
  }

  private async pollRevision(): Promise<void> {
    if ((await this.scripts.revision()) !== this.revision) await this.reload();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.stopWatch?.();
    this.stopWatch = null;
  }
}
