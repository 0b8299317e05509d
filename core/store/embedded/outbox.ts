import type { OutboxEntry, OutboxRepo, OutboxSettlement } from '../ports.js';
import * as q from '../outbox-queries.js';
import type { Collection } from './collection.js';
import { compile, matches, type Filter, type Update } from './match.js';

export class EmbeddedOutboxRepo implements OutboxRepo {
  constructor(private readonly c: Collection<OutboxEntry>) {}

  /** An id already in the outbox is skipped, not an error: queueing is idempotent. */
  async enqueue(entries: readonly OutboxEntry[]): Promise<string[]> {
    const inserted: string[] = [];
    for (const entry of entries) {
      if (this.c.has(entry.id)) continue;
      this.c.insert(entry.id, entry);
      inserted.push(entry.id);
    }
    return this.c.durable(inserted);
  }

  async get(id: string): Promise<OutboxEntry | null> {
    return this.c.get(id) ?? null;
  }

  /**
   * Walks the nextAttemptAt index from the earliest entry while it is due, skipping leased ones,
   * and leases the first `limit` in the same synchronous step: no sort, no second look.
   */
  async claimDue(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxEntry[]> {
    const due = compile(q.dueFilter(now));
    const picked: string[] = [];
    for (const id of this.c.keysUpTo('nextAttemptAt', now)) {
      if (picked.length >= limit) break;
      const entry = this.c.get(id)!;
      if (due(id, entry)) picked.push(id);
    }
    if (picked.length === 0) return [];
    // The claim changes no nextAttemptAt, so writing after the walk moves nothing in the index.
    const update = q.claimUpdate(owner, leaseUntil, now);
    return this.c.durable(picked.map((id) => this.c.update(id, update)!));
  }

  async renew(id: string, owner: string, leaseUntil: number, now: number): Promise<OutboxEntry | null> {
    return this.updateOne(id, q.heldFilter(id, owner), q.renewUpdate(leaseUntil, now));
  }

  async attachPayload(id: string, owner: string, sealedPayload: string, grantId: string, now: number): Promise<OutboxEntry | null> {
    return this.updateOne(id, q.attachFilter(id, owner), q.attachUpdate(sealedPayload, grantId, now));
  }

  async settle(id: string, owner: string, settlement: OutboxSettlement, now: number): Promise<OutboxEntry | null> {
    return this.updateOne(id, q.heldFilter(id, owner), q.settleUpdate(settlement, now));
  }

  async complete(id: string, owner: string): Promise<boolean> {
    const entry = this.c.get(id);
    if (!entry || !matches(id, entry, q.heldFilter(id, owner))) return false;
    return this.c.durable(this.c.delete(id));
  }

  /** A scan: dead entries are few, and this runs every few seconds at most. */
  async purge(now: number): Promise<number> {
    const doomed = compile(q.purgeFilter(now));
    return this.c.durable(this.c.deleteWhere((entry, id) => doomed(id, entry)));
  }

  /** A scan, for the depth gauge at each metrics scrape. */
  async countQueued(): Promise<number> {
    return this.c.count(q.QUEUED);
  }

  private async updateOne(id: string, filter: Filter, update: Update): Promise<OutboxEntry | null> {
    const stored = this.c.update(id, update, filter);
    return stored && this.c.durable(stored);
  }
}
