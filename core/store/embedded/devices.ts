import type { DeviceRecord, DeviceRepo } from '../ports.js';
import type { Datastore } from './collections.js';
import { duplicateAs, fromDoc, fromDocs, toDoc } from './documents.js';

export class EmbeddedDeviceRepo implements DeviceRepo {
  constructor(private readonly db: Datastore<DeviceRecord>) {}

  async create(record: DeviceRecord): Promise<void> {
    await this.db.insertAsync(toDoc(record, record.id)).catch(duplicateAs('devices'));
  }

  async get(id: string): Promise<DeviceRecord | null> {
    return fromDoc<DeviceRecord>(await this.db.findOneAsync({ _id: id }));
  }

  async listBySub(sub: string): Promise<DeviceRecord[]> {
    return fromDocs<DeviceRecord>(await this.db.findAsync({ sub }).sort({ createdAt: 1, _id: 1 }));
  }

  async delete(sub: string, id: string): Promise<boolean> {
    return (await this.db.removeAsync({ _id: id, sub }, {})) === 1;
  }
}
