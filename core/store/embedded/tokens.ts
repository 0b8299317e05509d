import type { TokenRecord, TokenRepo } from '../ports.js';
import { REVOKE_UPDATE, consumeFilter, consumeUpdate, revokeGrantFilter } from '../queries.js';
import type { Collection } from './collection.js';

export class EmbeddedTokenRepo implements TokenRepo {
  constructor(private readonly c: Collection<TokenRecord>) {}

  async create(record: TokenRecord): Promise<void> {
    this.c.insert(record.digest, record);
    await this.c.written();
  }

  /** All or nothing: a duplicate digest stores none of them. */
  async createMany(records: TokenRecord[]): Promise<void> {
    this.c.insertAll(records.map((r) => [r.digest, r] as const));
    await this.c.written();
  }

  async get(digest: string): Promise<TokenRecord | null> {
    return this.c.get(digest) ?? null;
  }

  /** Returns the stored record as it was before: records are immutable, so that is the old object. */
  async consume(digest: string, now: number): Promise<TokenRecord | null> {
    const current = this.c.get(digest);
    if (!current || !this.c.update(digest, consumeUpdate(now), consumeFilter(digest, now))) return null;
    return this.c.durable(current);
  }

  async revokeGrant(grantId: string): Promise<number> {
    const found = this.c.find(revokeGrantFilter(grantId));
    for (const [digest] of found) this.c.update(digest, REVOKE_UPDATE);
    return this.c.durable(found.length);
  }

  async purge(now: number): Promise<number> {
    return this.c.durable(this.c.deleteWhere((r) => r.expiresAt < now));
  }
}
