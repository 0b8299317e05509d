import type { UserRecord, UserRepo } from '../ports.js';
import { DEFAULT_LIMIT, definedOnly, userClaimFilter } from '../queries.js';
import type { Collection } from './collection.js';
import { byKey } from './order.js';

export class EmbeddedUserRepo implements UserRepo {
  constructor(private readonly c: Collection<UserRecord>) {}

  async get(sub: string): Promise<UserRecord | null> {
    return this.c.get(sub) ?? null;
  }

  /** Indexed for sub, username, email and phone_number; a `claims` member is a scan. */
  async findByClaim(claim: string, value: string, limit = DEFAULT_LIMIT): Promise<UserRecord[]> {
    const filter = userClaimFilter(claim, value);
    if (!filter) return [];
    return this.c.find(filter, limit).map(([, record]) => record);
  }

  /** Fails with DuplicateKeyError on an existing sub or username (unique index). */
  async create(record: UserRecord): Promise<void> {
    this.c.insert(record.sub, record);
    await this.c.written();
  }

  async update(sub: string, patch: Partial<Omit<UserRecord, 'sub' | 'createdAt'>>): Promise<UserRecord | null> {
    const current = this.c.get(sub);
    if (!current) return null;
    const set = definedOnly(patch);
    if (Object.keys(set).length === 0) return current;
    return this.c.durable(this.c.update(sub, { $set: set }));
  }

  async list(limit = DEFAULT_LIMIT): Promise<UserRecord[]> {
    return byKey(this.c.entries()).slice(0, limit);
  }
}
