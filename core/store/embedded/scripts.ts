import type { ScriptRecord, ScriptRepo, ScriptSecretRepo, ScriptVersionRecord } from '../ports.js';
import {
  REVISION_ID,
  activateUpdate,
  errorUpdate,
  newScript,
  quarantineUpdate,
  secretId,
  versionId,
  versionsToPrune,
} from '../script-queries.js';
import type { Collection } from './collection.js';
import type { MetaDoc, SecretDoc } from './collections.js';
import type { Update } from './match.js';
import { byKey, byMember, compare } from './order.js';

export class EmbeddedScriptRepo implements ScriptRepo {
  constructor(
    private readonly scripts: Collection<ScriptRecord>,
    private readonly versions: Collection<ScriptVersionRecord>,
    private readonly meta: Collection<MetaDoc>,
  ) {}

  async get(name: string): Promise<ScriptRecord | null> {
    return this.scripts.get(name) ?? null;
  }

  async list(): Promise<ScriptRecord[]> {
    return byKey(this.scripts.entries());
  }

  /** Allocates the number and stores the version in one synchronous step: pushes cannot interleave. */
  async addVersion(version: Omit<ScriptVersionRecord, 'version'>): Promise<ScriptVersionRecord | null> {
    const existing = this.scripts.get(version.name);
    if (existing && existing.hook !== version.hook) return null;
    const script = existing
      ? this.scripts.update(version.name, { $inc: { latestVersion: 1 }, $set: { updatedAt: version.createdAt } })!
      : this.scripts.insert(version.name, { ...newScript(version), latestVersion: 1 });
    const record = this.versions.insert(versionId(version.name, script.latestVersion), { ...version, version: script.latestVersion });
    await Promise.all([this.scripts.written(), this.versions.written()]);
    return record;
  }

  async getVersion(name: string, version: number): Promise<ScriptVersionRecord | null> {
    return this.versions.get(versionId(name, version)) ?? null;
  }

  async listVersions(name: string): Promise<ScriptVersionRecord[]> {
    return byMember(this.versions.find({ name }), 'version', -1);
  }

  async setActive(name: string, version: number | null, now: number): Promise<ScriptRecord | null> {
    return this.updateScript(name, activateUpdate(version, now));
  }

  async recordError(name: string, version: number, message: string, now: number): Promise<void> {
    await this.updateScript(name, errorUpdate(version, message, now));
  }

  async recordQuarantine(name: string, version: number, reason: string, now: number): Promise<void> {
    await this.updateScript(name, quarantineUpdate(version, reason, now));
  }

  async prune(name: string, keep: number, protect: number | null): Promise<number> {
    const newestFirst = byMember(this.versions.find({ name }), 'version', -1).map((v) => v.version);
    const doomed = versionsToPrune(newestFirst, keep, protect);
    for (const version of doomed) this.versions.delete(versionId(name, version));
    return this.versions.durable(doomed.length);
  }

  async revision(): Promise<number> {
    return this.meta.get(REVISION_ID)?.value ?? 0;
  }

  async bumpRevision(): Promise<number> {
    const { value } = this.meta.set(REVISION_ID, { value: (this.meta.get(REVISION_ID)?.value ?? 0) + 1 });
    return this.meta.durable(value);
  }

  /** One process only: activations made here reload at once, there is no one else to hear. */
  async watchRevision(): Promise<null> {
    return null;
  }

  private async updateScript(name: string, update: Update): Promise<ScriptRecord | null> {
    const stored = this.scripts.update(name, update);
    return stored && this.scripts.durable(stored);
  }
}

export class EmbeddedScriptSecretRepo implements ScriptSecretRepo {
  constructor(private readonly c: Collection<SecretDoc>) {}

  async set(script: string, name: string, sealed: string, now: number): Promise<void> {
    this.c.set(secretId(script, name), { script, name, sealed, updatedAt: now });
    await this.c.written();
  }

  async get(script: string, name: string): Promise<string | null> {
    return this.c.get(secretId(script, name))?.sealed ?? null;
  }

  async list(script: string): Promise<string[]> {
    return this.c
      .find({ script })
      .map(([, secret]) => secret.name)
      .sort(compare);
  }

  async delete(script: string, name: string): Promise<boolean> {
    return this.c.durable(this.c.delete(secretId(script, name)));
  }
}
