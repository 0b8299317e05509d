import type { EnrollmentCodeRecord, EnrollmentCodeRepo } from '../ports.js';
import type { Collections } from './collections.js';
import { RECORD, duplicateAs } from './documents.js';

export class MongoEnrollmentCodeRepo implements EnrollmentCodeRepo {
  constructor(private readonly col: Collections['enrollmentCodes']) {}

  async create(record: EnrollmentCodeRecord): Promise<void> {
    await this.col
      .insertOne({ ...record, _id: record.digest, expireAt: new Date(record.expiresAt) })
      .catch(duplicateAs('enrollmentCodes'));
  }

  consume(digest: string, now: number): Promise<EnrollmentCodeRecord | null> {
    return this.col.findOneAndDelete({ _id: digest, expiresAt: { $gt: now } }, RECORD);
  }

  async purge(now: number): Promise<number> {
    const { deletedCount } = await this.col.deleteMany({ expireAt: { $lte: new Date(now) } });
    return deletedCount;
  }
}
