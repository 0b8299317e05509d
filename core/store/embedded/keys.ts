import type { KeyRecord, KeyRepo } from '../ports.js';
import { definedOnly } from '../queries.js';
import type { Collection } from './collection.js';
import { byMember } from './order.js';

export class EmbeddedKeyRepo implements KeyRepo {
  constructor(private readonly c: Collection<KeyRecord>) {}

  /** Oldest first. */
  async list(): Promise<KeyRecord[]> {
    return byMember(this.c.entries(), 'createdAt');
  }

  async create(record: KeyRecord): Promise<void> {
    this.c.insert(record.kid, record);
    await this.c.written();
  }

  async update(kid: string, patch: Partial<Pick<KeyRecord, 'status' | 'retireAt'>>): Promise<KeyRecord | null> {
    const stored = this.c.update(kid, { $set: definedOnly(patch) });
    return stored && this.c.durable(stored);
  }
}
