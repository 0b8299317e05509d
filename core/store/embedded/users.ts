import type { UserRecord, UserRepo } from '../ports.js';
import { DEFAULT_LIMIT, definedOnly, userClaimFilter } from '../queries.js';
import type { Datastore } from './collections.js';
import { duplicateAs, fromDoc, fromDocs, toDoc } from './documents.js';

export class EmbeddedUserRepo implements UserRepo {
  constructor(private readonly db: Datastore<UserRecord>) {}

  async get(sub: string): Promise<UserRecord | null> {
    return fromDoc<UserRecord>(await this.db.findOneAsync({ _id: sub }));
  }

  /** Indexed for sub, username, email and phone_number; a `claims` member is a scan. */
  async findByClaim(claim: string, value: string, limit = DEFAULT_LIMIT): Promise<UserRecord[]> {
    const filter = userClaimFilter(claim, value);
    if (!filter) return [];
    return fromDocs<UserRecord>(await this.db.findAsync(filter).limit(limit));
  }

  async create(record: UserRecord): Promise<void> {
    await this.db.insertAsync(toDoc(record, record.sub)).catch(duplicateAs('users'));
  }

  async update(sub: string, patch: Partial<Omit<UserRecord, 'sub' | 'createdAt'>>): Promise<UserRecord | null> {
    const set = definedOnly(patch);
    if (Object.keys(set).length === 0) return this.get(sub);
    const { affectedDocuments } = await this.db
      .updateAsync({ _id: sub }, { $set: set }, { returnUpdatedDocs: true })
      .catch(duplicateAs('users'));
    return fromDoc<UserRecord>(affectedDocuments);
  }

  async list(limit = DEFAULT_LIMIT): Promise<UserRecord[]> {
    return fromDocs<UserRecord>(await this.db.findAsync({}).sort({ _id: 1 }).limit(limit));
  }
}
