import type { JtiRepo } from '../ports.js';
import type { Datastore } from './collections.js';
import { isUniqueViolation } from './documents.js';

export class EmbeddedJtiRepo implements JtiRepo {
  constructor(private readonly db: Datastore<{ expiresAt: number }>) {}

  /**
   * One upsert, which nedb runs alone in its executor: it takes over an expired entry, inserts a
   * missing one, and collides on `_id` (unique) with an unexpired one.
   */
  async use(key: string, expiresAt: number, now: number): Promise<boolean> {
    try {
      await this.db.updateAsync({ _id: key, expiresAt: { $lte: now } }, { $set: { expiresAt } }, { upsert: true });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async purge(now: number): Promise<number> {
    return this.db.removeAsync({ expiresAt: { $lt: now } }, { multi: true });
  }
}
