import type { TokenRecord, TokenRepo } from '../ports.js';
import { REVOKE_UPDATE, consumeFilter, consumeUpdate, revokeGrantFilter } from '../queries.js';
import type { Datastore } from './collections.js';
import { duplicateAs, fromDoc, toDoc } from './documents.js';

export class EmbeddedTokenRepo implements TokenRepo {
  constructor(private readonly db: Datastore<TokenRecord>) {}

  async create(record: TokenRecord): Promise<void> {
    await this.db.insertAsync(toDoc(record, record.digest)).catch(duplicateAs('tokens'));
  }

  /** All or nothing: nedb rolls the batch back when one digest is a duplicate. */
  async createMany(records: TokenRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db.insertAsync(records.map((r) => toDoc(r, r.digest))).catch(duplicateAs('tokens'));
  }

  async get(digest: string): Promise<TokenRecord | null> {
    return fromDoc<TokenRecord>(await this.db.findOneAsync({ _id: digest }));
  }

  async consume(digest: string, now: number): Promise<TokenRecord | null> {
    const { affectedDocuments } = await this.db.updateAsync(consumeFilter(digest, now), consumeUpdate(now), {
      returnUpdatedDocs: true,
    });
    const record = fromDoc<TokenRecord>(affectedDocuments);
    // The filter required consumedAt to be null: that is the record as it was.
    if (record) record.consumedAt = null;
    return record;
  }

  async revokeGrant(grantId: string): Promise<number> {
    const { numAffected } = await this.db.updateAsync(revokeGrantFilter(grantId), REVOKE_UPDATE, { multi: true });
    return numAffected;
  }

  async purge(now: number): Promise<number> {
    return this.db.removeAsync({ expiresAt: { $lt: now } }, { multi: true });
  }
}
