import type { DeviceRecord, DeviceRepo } from '../ports.js';
import type { Collection } from './collection.js';
import { byMember } from './order.js';

export class EmbeddedDeviceRepo implements DeviceRepo {
  constructor(private readonly c: Collection<DeviceRecord>) {}

  async create(record: DeviceRecord): Promise<void> {
    this.c.insert(record.id, record);
    await this.c.written();
  }

  async get(id: string): Promise<DeviceRecord | null> {
    return this.c.get(id) ?? null;
  }

  async listBySub(sub: string): Promise<DeviceRecord[]> {
    return byMember(this.c.find({ sub }), 'createdAt');
  }

  async delete(sub: string, id: string): Promise<boolean> {
    if (this.c.get(id)?.sub !== sub) return false;
    return this.c.durable(this.c.delete(id));
  }
}
