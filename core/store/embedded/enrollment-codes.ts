import type { EnrollmentCodeRecord, EnrollmentCodeRepo } from '../ports.js';
import type { Collection } from './collection.js';

export class EmbeddedEnrollmentCodeRepo implements EnrollmentCodeRepo {
  constructor(private readonly c: Collection<EnrollmentCodeRecord>) {}

  async create(record: EnrollmentCodeRecord): Promise<void> {
    this.c.insert(record.digest, record);
    await this.c.written();
  }

  /** Read and remove in one synchronous step: of racing consumers, the first takes it. */
  async consume(digest: string, now: number): Promise<EnrollmentCodeRecord | null> {
    const found = this.c.get(digest);
    if (!found || found.expiresAt <= now) return null;
    this.c.delete(digest);
    return this.c.durable(found);
  }

  async purge(now: number): Promise<number> {
    return this.c.durable(this.c.deleteWhere((r) => r.expiresAt <= now));
  }
}
