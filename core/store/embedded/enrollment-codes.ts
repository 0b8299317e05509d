import type { EnrollmentCodeRecord, EnrollmentCodeRepo } from '../ports.js';
import type { Datastore } from './collections.js';
import { duplicateAs, fromDoc, toDoc } from './documents.js';

export class EmbeddedEnrollmentCodeRepo implements EnrollmentCodeRepo {
  constructor(private readonly db: Datastore<EnrollmentCodeRecord>) {}

  async create(record: EnrollmentCodeRecord): Promise<void> {
    await this.db.insertAsync(toDoc(record, record.digest)).catch(duplicateAs('enrollmentCodes'));
  }

  /** Of racing consumers that all read the code, only the one whose removal counted gets it. */
  async consume(digest: string, now: number): Promise<EnrollmentCodeRecord | null> {
    const filter = { _id: digest, expiresAt: { $gt: now } };
    const found = fromDoc<EnrollmentCodeRecord>(await this.db.findOneAsync(filter));
    if (!found) return null;
    return (await this.db.removeAsync(filter, {})) === 1 ? found : null;
  }

  async purge(now: number): Promise<number> {
    return this.db.removeAsync({ expiresAt: { $lte: now } }, { multi: true });
  }
}
