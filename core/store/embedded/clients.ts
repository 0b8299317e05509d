import type { ClientRecord, ClientRepo } from '../ports.js';
import type { Datastore } from './collections.js';
import { duplicateAs, fromDoc, fromDocs, toDoc } from './documents.js';

export class EmbeddedClientRepo implements ClientRepo {
  constructor(private readonly db: Datastore<ClientRecord>) {}

  async get(clientId: string): Promise<ClientRecord | null> {
    return fromDoc<ClientRecord>(await this.db.findOneAsync({ _id: clientId }));
  }

  async create(record: ClientRecord): Promise<void> {
    await this.db.insertAsync(toDoc(record, record.clientId)).catch(duplicateAs('clients'));
  }

  async upsert(record: ClientRecord): Promise<void> {
    await this.db.updateAsync({ _id: record.clientId }, toDoc(record, record.clientId), { upsert: true });
  }

  async replace(record: ClientRecord): Promise<boolean> {
    const { numAffected } = await this.db.updateAsync({ _id: record.clientId }, toDoc(record, record.clientId), {});
    return numAffected === 1;
  }

  async delete(clientId: string): Promise<boolean> {
    return (await this.db.removeAsync({ _id: clientId }, {})) === 1;
  }

  async list(): Promise<ClientRecord[]> {
    return fromDocs<ClientRecord>(await this.db.findAsync({}).sort({ _id: 1 }));
  }
}
