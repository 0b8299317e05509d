import type { ClientRecord, ClientRepo } from '../ports.js';
import type { Collections, Doc } from './collections.js';
import { RECORD, duplicateAs } from './documents.js';

const toDoc = (record: ClientRecord): Doc<ClientRecord> => ({ ...record, _id: record.clientId });

export class MongoClientRepo implements ClientRepo {
  constructor(private readonly col: Collections['clients']) {}

  get(clientId: string): Promise<ClientRecord | null> {
    return this.col.findOne({ _id: clientId }, RECORD);
  }

  async create(record: ClientRecord): Promise<void> {
    await this.col.insertOne(toDoc(record)).catch(duplicateAs('clients'));
  }

  async upsert(record: ClientRecord): Promise<void> {
    await this.col.replaceOne({ _id: record.clientId }, toDoc(record), { upsert: true });
  }

  async replace(record: ClientRecord): Promise<boolean> {
    const { matchedCount } = await this.col.replaceOne({ _id: record.clientId }, toDoc(record));
    return matchedCount === 1;
  }

  async delete(clientId: string): Promise<boolean> {
    const { deletedCount } = await this.col.deleteOne({ _id: clientId });
    return deletedCount === 1;
  }

  list(): Promise<ClientRecord[]> {
    return this.col.find({}, RECORD).sort({ _id: 1 }).toArray();
  }
}
