import type { KeyRecord, KeyRepo } from '../ports.js';
import { definedOnly } from '../queries.js';
import type { Datastore } from './collections.js';
import { duplicateAs, fromDoc, fromDocs, toDoc } from './documents.js';

export class EmbeddedKeyRepo implements KeyRepo {
  constructor(private readonly db: Datastore<KeyRecord>) {}

  /** Oldest first. */
  async list(): Promise<KeyRecord[]> {
    return fromDocs<KeyRecord>(await this.db.findAsync({}).sort({ createdAt: 1, _id: 1 }));
  }

  async create(record: KeyRecord): Promise<void> {
    await this.db.insertAsync(toDoc(record, record.kid)).catch(duplicateAs('keys'));
  }

  async update(kid: string, patch: Partial<Pick<KeyRecord, 'status' | 'retireAt'>>): Promise<KeyRecord | null> {
    const { affectedDocuments } = await this.db.updateAsync({ _id: kid }, { $set: definedOnly(patch) }, { returnUpdatedDocs: true });
    return fromDoc<KeyRecord>(affectedDocuments);
  }
}
