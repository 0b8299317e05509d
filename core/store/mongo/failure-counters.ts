import type { Document } from 'mongodb';
import type { FailureCounterRecord, FailureCounterRepo, FailurePolicy } from '../ports.js';
import type { Collections } from './collections.js';
import { RECORD } from './documents.js';

/**
 * `decideFailure` (../failures.ts) as an upsert pipeline, so concurrent failures in any number
 * of processes each count. Each `$set` stage reads the document as the previous stage left it;
 * a missing document (the first failure) has no `windowEndsAt`, which makes the window fresh.
 */
function failurePipeline(key: string, now: number, { maxFailures, windowMs, lockMs }: FailurePolicy): Document[] {
  const fresh = { $or: [{ $eq: [{ $type: '$windowEndsAt' }, 'missing'] }, { $lte: ['$windowEndsAt', now] }] };
  const reached = { $gte: ['$failures', maxFailures] };
  const purgeAt = { $max: ['$windowEndsAt', { $ifNull: ['$lockedUntil', 0] }] };
  return [
    {
      $set: {
        key,
        failures: { $cond: [fresh, 1, { $add: ['$failures', 1] }] },
        windowEndsAt: { $cond: [fresh, now + windowMs, '$windowEndsAt'] },
        lockedUntil: { $ifNull: ['$lockedUntil', null] },
      },
    },
    {
      $set: {
        failures: { $cond: [reached, 0, '$failures'] },
        windowEndsAt: { $cond: [reached, now, '$windowEndsAt'] },
        lockedUntil: { $cond: [reached, now + lockMs, '$lockedUntil'] },
      },
    },
    { $set: { purgeAt, expireAt: { $toDate: purgeAt } } },
  ];
}

export class MongoFailureCounterRepo implements FailureCounterRepo {
  constructor(private readonly col: Collections['failureCounters']) {}

  get(key: string): Promise<FailureCounterRecord | null> {
    return this.col.findOne({ _id: key }, RECORD);
  }

  /** An upsert on `_id` that meets a concurrent insert is retried by the server itself. */
  async recordFailure(key: string, now: number, policy: FailurePolicy): Promise<FailureCounterRecord> {
    const record = await this.col.findOneAndUpdate({ _id: key }, failurePipeline(key, now, policy), {
      ...RECORD,
      upsert: true,
      returnDocument: 'after',
    });
    if (!record) throw new Error(`failure counter ${key}: the upsert returned no document`);
    return record;
  }

  async clear(key: string): Promise<void> {
    await this.col.deleteOne({ _id: key });
  }

  async purge(now: number): Promise<number> {
    const { deletedCount } = await this.col.deleteMany({ expireAt: { $lt: new Date(now) } });
    return deletedCount;
  }
}
