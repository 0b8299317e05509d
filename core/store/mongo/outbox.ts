import type { OutboxEntry, OutboxRepo, OutboxSettlement } from '../ports.js';
import * as q from '../outbox-queries.js';
import type { Collections } from './collections.js';
import { RECORD } from './documents.js';
import { MongoBulkWriteError } from 'mongodb';

const DUPLICATE_KEY = 11000;

export class MongoOutboxRepo implements OutboxRepo {
  constructor(private readonly col: Collections['outbox']) {}

  /**
   * Unordered, so one id already queued does not stop the others; duplicates are expected (a
   * racing process queued the same callback) and are the only error swallowed.
   */
  async enqueue(entries: readonly OutboxEntry[]): Promise<string[]> {
    if (entries.length === 0) return [];
    const docs = entries.map((entry) => ({ ...entry, _id: entry.id }));
    try {
      await this.col.insertMany(docs, { ordered: false });
      return entries.map((e) => e.id);
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError) || err.err) throw err;
      const failures = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
      if (failures.some((w) => w.code !== DUPLICATE_KEY)) throw err;
      const failed = new Set(failures.map((w) => w.index));
      return entries.filter((_, i) => !failed.has(i)).map((e) => e.id);
    }
  }

  get(id: string): Promise<OutboxEntry | null> {
    return this.col.findOne({ _id: id }, RECORD);
  }

  /**
   * Candidates first, then one updateMany that re-checks the due condition per document, so of
   * racing processes each entry is leased by exactly one; the claim's own token finds its share.
   */
  async claimDue(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxEntry[]> {
    const candidates = await this.col.find(q.dueFilter(now), { projection: { _id: 1 } }).sort({ nextAttemptAt: 1 }).limit(limit).toArray();
    if (candidates.length === 0) return [];
    const ids = candidates.map((c) => c._id);
    const { modifiedCount } = await this.col.updateMany(q.claimFilter(ids, now), q.claimUpdate(owner, leaseUntil, now));
    if (modifiedCount === 0) return [];
    return this.col.find({ _id: { $in: ids }, leaseOwner: owner }, RECORD).toArray();
  }

  renew(id: string, owner: string, leaseUntil: number, now: number): Promise<OutboxEntry | null> {
    return this.col.findOneAndUpdate(q.heldFilter(id, owner), q.renewUpdate(leaseUntil, now), { ...RECORD, returnDocument: 'after' });
  }

  attachPayload(id: string, owner: string, sealedPayload: string, grantId: string, now: number): Promise<OutboxEntry | null> {
    return this.col.findOneAndUpdate(q.attachFilter(id, owner), q.attachUpdate(sealedPayload, grantId, now), {
      ...RECORD,
      returnDocument: 'after',
    });
  }

  settle(id: string, owner: string, settlement: OutboxSettlement, now: number): Promise<OutboxEntry | null> {
    return this.col.findOneAndUpdate(q.heldFilter(id, owner), q.settleUpdate(settlement, now), { ...RECORD, returnDocument: 'after' });
  }

  async complete(id: string, owner: string): Promise<boolean> {
    const { deletedCount } = await this.col.deleteOne(q.heldFilter(id, owner));
    return deletedCount === 1;
  }

  async purge(now: number): Promise<number> {
    const { deletedCount } = await this.col.deleteMany(q.purgeFilter(now));
    return deletedCount;
  }

  /** Served by the status_nextAttemptAt index. */
  countQueued(): Promise<number> {
    return this.col.countDocuments(q.QUEUED);
  }
}
