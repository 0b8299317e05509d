import type { KeyRecord, KeyRepo } from '../ports.js';
import { definedOnly } from '../queries.js';
import type { Collection } from './collection.js';
import { applyUpdate } from './match.js';
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
    const current = this.c.get(kid);
    if (!current) return null;
    return this.c.durable(this.c.set(kid, applyUpdate(current, { $set: definedOnly(patch) })));
  }
}
