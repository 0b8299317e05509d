import type { Db } from 'mongodb';
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
import type { Collections } from './collections.js';
import { RECORD } from './documents.js';
import { MongoServerError } from 'mongodb';

export class MongoScriptRepo implements ScriptRepo {
  constructor(
    private readonly scripts: Collections['scripts'],
    private readonly versions: Collections['scriptVersions'],
    private readonly meta: Collections['meta'],
    private readonly db: Db,
  ) {}

  get(name: string): Promise<ScriptRecord | null> {
    return this.scripts.findOne({ _id: name }, RECORD);
  }

  list(): Promise<ScriptRecord[]> {
    return this.scripts.find({}, RECORD).sort({ _id: 1 }).toArray();
  }

  /**
   * One upsert allocates the number: it matches the name only under its own hook, so a name
   * pushed for another hook makes the upsert collide on `_id` (E11000) and the push is refused.
   */
  async addVersion(version: Omit<ScriptVersionRecord, 'version'>): Promise<ScriptVersionRecord | null> {
    const { updatedAt: _updatedAt, ...onInsert } = newScript(version);
    let script: ScriptRecord | null;
    try {
      script = await this.scripts.findOneAndUpdate(
        { _id: version.name, hook: version.hook },
        { $inc: { latestVersion: 1 }, $set: { updatedAt: version.createdAt }, $setOnInsert: onInsert },
        { ...RECORD, upsert: true, returnDocument: 'after' },
      );
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000) return null;
      throw err;
    }
    if (!script) return null;
    const record: ScriptVersionRecord = { ...version, version: script.latestVersion };
    await this.versions.insertOne({ ...record, _id: versionId(record.name, record.version) });
    return record;
  }

  getVersion(name: string, version: number): Promise<ScriptVersionRecord | null> {
    return this.versions.findOne({ _id: versionId(name, version) }, RECORD);
  }

  listVersions(name: string): Promise<ScriptVersionRecord[]> {
    return this.versions.find({ name }, RECORD).sort({ version: -1 }).toArray();
  }

  setActive(name: string, version: number | null, now: number): Promise<ScriptRecord | null> {
    return this.scripts.findOneAndUpdate({ _id: name }, activateUpdate(version, now), { ...RECORD, returnDocument: 'after' });
  }

  async recordError(name: string, version: number, message: string, now: number): Promise<void> {
    await this.scripts.updateOne({ _id: name }, errorUpdate(version, message, now));
  }

  async recordQuarantine(name: string, version: number, reason: string, now: number): Promise<void> {
    await this.scripts.updateOne({ _id: name }, quarantineUpdate(version, reason, now));
  }

  async prune(name: string, keep: number, protect: number | null): Promise<number> {
    const all = await this.versions.find({ name }, { projection: { version: 1 } }).sort({ version: -1 }).toArray();
    const doomed = versionsToPrune(all.map((v) => v.version), keep, protect);
    if (doomed.length === 0) return 0;
    const { deletedCount } = await this.versions.deleteMany({ _id: { $in: doomed.map((v) => versionId(name, v)) } });
    return deletedCount;
  }

  async revision(): Promise<number> {
    return (await this.meta.findOne({ _id: REVISION_ID }))?.value ?? 0;
  }

  async bumpRevision(): Promise<number> {
    const doc = await this.meta.findOneAndUpdate({ _id: REVISION_ID }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
    return doc?.value ?? 0;
  }

  /**
   * Change streams exist on replica sets and sharded clusters only; a standalone mongod answers
   * `hello` without `setName` or `isdbgrid`, and then callers poll the revision instead.
   */
  async watchRevision(onChange: () => void): Promise<(() => Promise<void>) | null> {
    const hello = await this.db.command({ hello: 1 });
    if (!hello.setName && hello.msg !== 'isdbgrid') return null;
    const stream = this.meta.watch([{ $match: { 'documentKey._id': REVISION_ID } }]);
    stream.on('change', onChange);
    // A broken stream is not fatal: callers poll the revision as well.
    stream.on('error', () => undefined);
    return () => stream.close();
  }
}

export class MongoScriptSecretRepo implements ScriptSecretRepo {
  constructor(private readonly col: Collections['scriptSecrets']) {}

  async set(script: string, name: string, sealed: string, now: number): Promise<void> {
    await this.col.replaceOne({ _id: secretId(script, name) }, { script, name, sealed, updatedAt: now }, { upsert: true });
  }

  async get(script: string, name: string): Promise<string | null> {
    return (await this.col.findOne({ _id: secretId(script, name) }))?.sealed ?? null;
  }

  async list(script: string): Promise<string[]> {
    return (await this.col.find({ script }).sort({ name: 1 }).toArray()).map((d) => d.name);
  }

  async delete(script: string, name: string): Promise<boolean> {
    return (await this.col.deleteOne({ _id: secretId(script, name) })).deletedCount === 1;
  }
}
