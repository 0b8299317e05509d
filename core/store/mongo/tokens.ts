import type { TokenRecord, TokenRepo } from '../ports.js';
import { REVOKE_UPDATE, consumeFilter, consumeUpdate, revokeGrantFilter } from '../queries.js';
import type { Collections, ExpiringDoc } from './collections.js';
import { RECORD, duplicateAs } from './documents.js';

const toDoc = (record: TokenRecord): ExpiringDoc<TokenRecord> => ({
  ...record,
  _id: record.digest,
  expireAt: new Date(record.expiresAt),
});

export class MongoTokenRepo implements TokenRepo {
  constructor(private readonly col: Collections['tokens']) {}

  async create(record: TokenRecord): Promise<void> {
    await this.col.insertOne(toDoc(record)).catch(duplicateAs('tokens'));
  }

  /**
   * Ordered: on a duplicate digest the tokens before it stay stored (the embedded store stores
   * none). Digests of random tokens do not collide, so callers need not care.
   */
  async createMany(records: TokenRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.col.insertMany(records.map(toDoc)).catch(duplicateAs('tokens'));
  }

  get(digest: string): Promise<TokenRecord | null> {
    return this.col.findOne({ _id: digest }, RECORD);
  }

  consume(digest: string, now: number): Promise<TokenRecord | null> {
    return this.col.findOneAndUpdate(consumeFilter(digest, now), consumeUpdate(now), {
      ...RECORD,
      returnDocument: 'before',
    });
  }

  async revokeGrant(grantId: string): Promise<number> {
    const { modifiedCount } = await this.col.updateMany(revokeGrantFilter(grantId), REVOKE_UPDATE);
    return modifiedCount;
  }

  async purge(now: number): Promise<number> {
    const { deletedCount } = await this.col.deleteMany({ expireAt: { $lt: new Date(now) } });
    return deletedCount;
  }
}
