import type { Document } from 'mongodb';
import type { AuthRequestFilter, AuthRequestRecord, AuthRequestRepo, AuthRequestState, PollOutcome, TransitionPatch } from '../ports.js';
import { decidePoll } from '../poll.js';
import { authRequestListFilter, transitionFilter, transitionUpdate } from '../queries.js';
import { EXPIRE_UPDATE, expiredPendingFilter } from '../outbox-queries.js';
import type { Collections } from './collections.js';
import { RECORD, duplicateAs } from './documents.js';

/**
 * `decidePoll` (../poll.ts) as an update pipeline, so the decision and the write are one
 * server-side operation whichever process polls. Every expression in one `$set` stage reads the
 * document as it was, like `decidePoll` reads `prev`. `$max` skips the null of a first poll.
 */
function pollPipeline(now: number, slowDownStepSec: number): Document[] {
  const slow = {
    $and: [
      { $isNumber: '$lastPollAt' },
      { $lt: [{ $subtract: [now, '$lastPollAt'] }, { $multiply: ['$interval', 1000] }] },
    ],
  };
  return [
    {
      $set: {
        interval: { $cond: [slow, { $add: ['$interval', slowDownStepSec] }, '$interval'] },
        lastPollAt: { $max: ['$lastPollAt', now] },
      },
    },
  ];
}

export class MongoAuthRequestRepo implements AuthRequestRepo {
  constructor(private readonly col: Collections['authRequests']) {}

  async create(record: AuthRequestRecord): Promise<void> {
    await this.col
      .insertOne({ ...record, _id: record.id, expireAt: new Date(record.purgeAt) })
      .catch(duplicateAs('authRequests'));
  }

  get(id: string): Promise<AuthRequestRecord | null> {
    return this.col.findOne({ _id: id }, RECORD);
  }

  findByLinkHash(linkHash: string): Promise<AuthRequestRecord | null> {
    return this.col.findOne({ linkHash }, RECORD);
  }

  list(filter: AuthRequestFilter, limit: number): Promise<AuthRequestRecord[]> {
    return this.col.find(authRequestListFilter(filter), RECORD).sort({ createdAt: -1, _id: 1 }).limit(limit).toArray();
  }

  transition(
    id: string,
    from: readonly AuthRequestState[],
    to: AuthRequestState,
    patch: TransitionPatch = {},
    notExpiredAt?: number,
  ): Promise<AuthRequestRecord | null> {
    return this.col.findOneAndUpdate(transitionFilter(id, from, notExpiredAt), transitionUpdate(to, patch), {
      ...RECORD,
      returnDocument: 'after',
    });
  }

  /**
   * The document as it was before the update is exactly what the pipeline decided on, so
   * `decidePoll` on it tells the outcome and the record as the update left it.
   */
  async registerPoll(id: string, now: number, slowDownStepSec: number): Promise<PollOutcome | null> {
    const before = await this.col.findOneAndUpdate({ _id: id }, pollPipeline(now, slowDownStepSec), {
      ...RECORD,
      returnDocument: 'before',
    });
    if (!before) return null;
    const { slowDown, interval, lastPollAt } = decidePoll(before, now, slowDownStepSec);
    return { record: { ...before, interval, lastPollAt }, slowDown };
  }

  /** Served by the partial index on pending requests' expiresAt. */
  findExpiredPending(now: number, limit: number): Promise<AuthRequestRecord[]> {
    return this.col.find(expiredPendingFilter(now), RECORD).sort({ expiresAt: 1 }).limit(limit).toArray();
  }

  async expire(ids: readonly string[], now: number): Promise<number> {
    if (ids.length === 0) return 0;
    const { modifiedCount } = await this.col.updateMany(expiredPendingFilter(now, ids), EXPIRE_UPDATE);
    return modifiedCount;
  }

  async purge(now: number): Promise<number> {
    const { deletedCount } = await this.col.deleteMany({ expireAt: { $lt: new Date(now) } });
    return deletedCount;
  }
}
