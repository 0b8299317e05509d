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
import type { Datastore } from './collections.js';
import { fromDoc, fromDocs, toDoc } from './documents.js';

interface MetaDoc {
  value: number;
}

interface SecretDoc {
  script: string;
  name: string;
  sealed: string;
  updatedAt: number;
}

export class EmbeddedScriptRepo implements ScriptRepo {
  constructor(
    private readonly scripts: Datastore<ScriptRecord>,
    private readonly versions: Datastore<ScriptVersionRecord>,
    private readonly meta: Datastore<MetaDoc>,
  ) {}

  async get(name: string): Promise<ScriptRecord | null> {
    return fromDoc<ScriptRecord>(await this.scripts.findOneAsync({ _id: name }));
  }

  async list(): Promise<ScriptRecord[]> {
    return fromDocs<ScriptRecord>(await this.scripts.findAsync({}).sort({ _id: 1 }));
  }

  /** Pushes run one at a time in this (the only) process, so read-then-write cannot interleave. */
  private pushes: Promise<unknown> = Promise.resolve();

  addVersion(version: Omit<ScriptVersionRecord, 'version'>): Promise<ScriptVersionRecord | null> {
    const next = this.pushes.then(() => this.allocate(version));
    this.pushes = next.catch(() => undefined);
    return next;
  }

  private async allocate(version: Omit<ScriptVersionRecord, 'version'>): Promise<ScriptVersionRecord | null> {
    const existing = await this.scripts.findOneAsync({ _id: version.name });
    if (existing && existing.hook !== version.hook) return null;
    const { affectedDocuments } = await this.scripts.updateAsync(
      { _id: version.name, hook: version.hook },
      existing
        ? { $inc: { latestVersion: 1 }, $set: { updatedAt: version.createdAt } }
        : { ...toDoc(newScript(version), version.name), latestVersion: 1 },
      { upsert: true, returnUpdatedDocs: true },
    );
    const script = affectedDocuments as ScriptRecord;
    const record: ScriptVersionRecord = { ...version, version: script.latestVersion };
    await this.versions.insertAsync(toDoc(record, versionId(record.name, record.version)));
    return record;
  }

  async getVersion(name: string, version: number): Promise<ScriptVersionRecord | null> {
    return fromDoc<ScriptVersionRecord>(await this.versions.findOneAsync({ _id: versionId(name, version) }));
  }

  async listVersions(name: string): Promise<ScriptVersionRecord[]> {
    return fromDocs<ScriptVersionRecord>(await this.versions.findAsync({ name }).sort({ version: -1 }));
  }

  async setActive(name: string, version: number | null, now: number): Promise<ScriptRecord | null> {
    const { affectedDocuments } = await this.scripts.updateAsync({ _id: name }, activateUpdate(version, now), { returnUpdatedDocs: true });
    return fromDoc<ScriptRecord>(affectedDocuments as ScriptRecord | null);
  }

  async recordError(name: string, version: number, message: string, now: number): Promise<void> {
    await this.scripts.updateAsync({ _id: name }, errorUpdate(version, message, now), {});
  }

  async recordQuarantine(name: string, version: number, reason: string, now: number): Promise<void> {
    await this.scripts.updateAsync({ _id: name }, quarantineUpdate(version, reason, now), {});
  }

  async prune(name: string, keep: number, protect: number | null): Promise<number> {
    const all = await this.versions.findAsync({ name }, { version: 1 }).sort({ version: -1 });
    const doomed = versionsToPrune(all.map((v) => v.version), keep, protect);
    if (doomed.length === 0) return 0;
    return this.versions.removeAsync({ _id: { $in: doomed.map((v) => versionId(name, v)) } }, { multi: true });
  }

  async revision(): Promise<number> {
    return (await this.meta.findOneAsync({ _id: REVISION_ID }))?.value ?? 0;
  }

  async bumpRevision(): Promise<number> {
    const { affectedDocuments } = await this.meta.updateAsync({ _id: REVISION_ID }, { $inc: { value: 1 } }, { upsert: true, returnUpdatedDocs: true });
    return (affectedDocuments as MetaDoc).value;
  }

  /** One process only: activations made here reload at once, there is no one else to hear. */
  async watchRevision(): Promise<null> {
    return null;
  }
}

export class EmbeddedScriptSecretRepo implements ScriptSecretRepo {
  constructor(private readonly db: Datastore<SecretDoc>) {}

  async set(script: string, name: string, sealed: string, now: number): Promise<void> {
    await this.db.updateAsync({ _id: secretId(script, name) }, toDoc({ script, name, sealed, updatedAt: now }, secretId(script, name)), { upsert: true });
  }

  async get(script: string, name: string): Promise<string | null> {
    return (await this.db.findOneAsync({ _id: secretId(script, name) }))?.sealed ?? null;
  }

  async list(script: string): Promise<string[]> {
    return (await this.db.findAsync({ script }).sort({ name: 1 })).map((d) => d.name);
  }

  async delete(script: string, name: string): Promise<boolean> {
    return (await this.db.removeAsync({ _id: secretId(script, name) }, {})) === 1;
  }
}
