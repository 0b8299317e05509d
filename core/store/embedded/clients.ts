import type { ClientRecord, ClientRepo } from '../ports.js';
import type { Collection } from './collection.js';
import { byKey } from './order.js';

export class EmbeddedClientRepo implements ClientRepo {
  constructor(private readonly c: Collection<ClientRecord>) {}

  async get(clientId: string): Promise<ClientRecord | null> {
    return this.c.get(clientId) ?? null;
  }

  async create(record: ClientRecord): Promise<void> {
    this.c.insert(record.clientId, record);
    await this.c.written();
  }

  async upsert(record: ClientRecord): Promise<void> {
    this.c.set(record.clientId, record);
    await this.c.written();
  }

  async replace(record: ClientRecord): Promise<boolean> {
    if (!this.c.has(record.clientId)) return false;
    this.c.set(record.clientId, record);
    return this.c.durable(true);
  }

  async delete(clientId: string): Promise<boolean> {
    return this.c.durable(this.c.delete(clientId));
  }

  async list(): Promise<ClientRecord[]> {
    return byKey(this.c.entries());
  }
}
