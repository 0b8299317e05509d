import type { PairwiseSubjectRecord, PairwiseSubjectRepo } from '../ports.js';
import { pairwiseKey } from '../queries.js';
import type { Datastore } from './collections.js';
import { isUniqueViolation, toDoc } from './documents.js';

export class EmbeddedPairwiseSubjectRepo implements PairwiseSubjectRepo {
  constructor(private readonly db: Datastore<PairwiseSubjectRecord>) {}

  async remember(record: PairwiseSubjectRecord): Promise<void> {
    await this.db.insertAsync(toDoc(record, pairwiseKey(record.sector, record.pairwiseSub))).catch((err: unknown) => {
      // The key is derived from the mapping, so an existing entry is this same mapping.
      if (!isUniqueViolation(err)) throw err;
    });
  }

  async find(sector: string, pairwiseSub: string): Promise<string | null> {
    const doc = await this.db.findOneAsync({ _id: pairwiseKey(sector, pairwiseSub) });
    return doc?.sub ?? null;
  }
}
