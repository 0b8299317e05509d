import type { UserRecord, UserRepo } from '../ports.js';
import { DEFAULT_LIMIT, definedOnly, userClaimFilter } from '../queries.js';
import type { Collections } from './collections.js';
import { RECORD, duplicateAs } from './documents.js';

export class MongoUserRepo implements UserRepo {
  constructor(private readonly col: Collections['users']) {}

  get(sub: string): Promise<UserRecord | null> {
    return this.col.findOne({ _id: sub }, RECORD);
  }

  /** Indexed for sub, username, email and phone_number; a `claims` member is a collection scan. */
  async findByClaim(claim: string, value: string, limit = DEFAULT_LIMIT): Promise<UserRecord[]> {
    const filter = userClaimFilter(claim, value);
    if (!filter) return [];
    return this.col.find(filter, RECORD).limit(limit).toArray();
  }

  async create(record: UserRecord): Promise<void> {
    await this.col.insertOne({ ...record, _id: record.sub }).catch(duplicateAs('users'));
  }

  async update(sub: string, patch: Partial<Omit<UserRecord, 'sub' | 'createdAt'>>): Promise<UserRecord | null> {
    const set = definedOnly(patch);
    if (Object.keys(set).length === 0) return this.get(sub);
    return this.col
      .findOneAndUpdate({ _id: sub }, { $set: set }, { ...RECORD, returnDocument: 'after' })
      .catch(duplicateAs('users'));
  }

  list(limit = DEFAULT_LIMIT): Promise<UserRecord[]> {
    return this.col.find({}, RECORD).sort({ _id: 1 }).limit(limit).toArray();
  }
}
