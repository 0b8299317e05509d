import type { KeyRecord, KeyRepo } from '../ports.js';
import { definedOnly } from '../queries.js';
import type { Collections } from './collections.js';
import { RECORD, duplicateAs } from './documents.js';

export class MongoKeyRepo implements KeyRepo {
  constructor(private readonly col: Collections['keys']) {}

  /** Oldest first. */
  list(): Promise<KeyRecord[]> {
    return this.col.find({}, RECORD).sort({ createdAt: 1, _id: 1 }).toArray();
  }

  async create(record: KeyRecord): Promise<void> {
    await this.col.insertOne({ ...record, _id: record.kid }).catch(duplicateAs('keys'));
  }

  update(kid: string, patch: Partial<Pick<KeyRecord, 'status' | 'retireAt'>>): Promise<KeyRecord | null> {
    return this.col.findOneAndUpdate({ _id: kid }, { $set: definedOnly(patch) }, { ...RECORD, returnDocument: 'after' });
  }
}
