import type { DeviceRecord, DeviceRepo } from '../ports.js';
import type { Collections } from './collections.js';
import { RECORD, duplicateAs } from './documents.js';

export class MongoDeviceRepo implements DeviceRepo {
  constructor(private readonly col: Collections['devices']) {}

  async create(record: DeviceRecord): Promise<void> {
    await this.col.insertOne({ ...record, _id: record.id }).catch(duplicateAs('devices'));
  }

  get(id: string): Promise<DeviceRecord | null> {
    return this.col.findOne({ _id: id }, RECORD);
  }

  listBySub(sub: string): Promise<DeviceRecord[]> {
    return this.col.find({ sub }, RECORD).sort({ createdAt: 1, _id: 1 }).toArray();
  }

  async delete(sub: string, id: string): Promise<boolean> {
    const { deletedCount } = await this.col.deleteOne({ _id: id, sub });
    return deletedCount === 1;
  }
}
