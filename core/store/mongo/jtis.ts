import type { JtiRepo } from '../ports.js';
import type { Collections } from './collections.js';
import { isDuplicateKey } from './documents.js';

export class MongoJtiRepo implements JtiRepo {
  constructor(private readonly col: Collections['jtis']) {}

  /**
   * One conditional upsert: it takes over an entry that expired (the TTL monitor may not have
   * deleted it yet), inserts a missing one, and — when an unexpired entry exists, so the filter
   * matches nothing — tries to insert a second document with the same `_id` and fails on the
   * unique index. Racing first uses end the same way: one insert wins.
   */
  async use(key: string, expiresAt: number, now: number): Promise<boolean> {
    try {
      await this.col.updateOne(
        { _id: key, expiresAt: { $lte: now } },
        { $set: { expiresAt, expireAt: new Date(expiresAt) } },
        { upsert: true },
      );
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async purge(now: number): Promise<number> {
    const { deletedCount } = await this.col.deleteMany({ expireAt: { $lt: new Date(now) } });
    return deletedCount;
  }
}
