import { DuplicateKeyError, type OutboxEntry, type OutboxRepo, type OutboxSettlement } from '../ports.js';
import * as q from '../outbox-queries.js';
import type { Datastore } from './collections.js';
import { duplicateAs, fromDoc, fromDocs, toDoc } from './documents.js';

export class EmbeddedOutboxRepo implements OutboxRepo {
  constructor(private readonly db: Datastore<OutboxEntry>) {}

  /** One insert each: nedb rolls a whole batch back on one duplicate, and a duplicate is expected here. */
  async enqueue(entries: readonly OutboxEntry[]): Promise<string[]> {
    const inserted: string[] = [];
    for (const entry of entries) {
      try {
        await this.db.insertAsync(toDoc(entry, entry.id)).catch(duplicateAs('outbox'));
        inserted.push(entry.id);
      } catch (err) {
        if (!(err instanceof DuplicateKeyError)) throw err;
      }
    }
    return inserted;
  }

  async get(id: string): Promise<OutboxEntry | null> {
    return fromDoc<OutboxEntry>(await this.db.findOneAsync({ _id: id }));
  }

  async claimDue(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxEntry[]> {
    // No sort: nedb would sort every due entry to return `limit` of them. It walks the
    // nextAttemptAt index in order anyway, and stops at `limit` when there is no sort.
    const candidates = await this.db.findAsync(q.dueFilter(now), { id: 1 }).limit(limit);
    if (candidates.length === 0) return [];
    const ids = candidates.map((c) => c.id);
    const { affectedDocuments } = await this.db.updateAsync(q.claimFilter(ids, now), q.claimUpdate(owner, leaseUntil, now), {
      multi: true,
      returnUpdatedDocs: true,
    });
    return fromDocs<OutboxEntry>((affectedDocuments ?? []) as OutboxEntry[]);
  }

  async renew(id: string, owner: string, leaseUntil: number, now: number): Promise<OutboxEntry | null> {
    return this.updateOne(q.heldFilter(id, owner), q.renewUpdate(leaseUntil, now));
  }

  async attachPayload(id: string, owner: string, sealedPayload: string, grantId: string, now: number): Promise<OutboxEntry | null> {
    return this.updateOne(q.attachFilter(id, owner), q.attachUpdate(sealedPayload, grantId, now));
  }

  async settle(id: string, owner: string, settlement: OutboxSettlement, now: number): Promise<OutboxEntry | null> {
    return this.updateOne(q.heldFilter(id, owner), q.settleUpdate(settlement, now));
  }

  async complete(id: string, owner: string): Promise<boolean> {
    return (await this.db.removeAsync(q.heldFilter(id, owner), {})) === 1;
  }

  async purge(now: number): Promise<number> {
    return this.db.removeAsync(q.purgeFilter(now), { multi: true });
  }

  async countQueued(): Promise<number> {
    return this.db.countAsync(q.QUEUED);
  }

  private async updateOne(filter: object, update: object): Promise<OutboxEntry | null> {
    const { affectedDocuments } = await this.db.updateAsync(filter, update, { returnUpdatedDocs: true });
    return fromDoc<OutboxEntry>(affectedDocuments as OutboxEntry | null);
  }
}
