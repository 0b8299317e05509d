import type { PairwiseSubjectRecord, PairwiseSubjectRepo } from '../ports.js';
import { pairwiseKey } from '../queries.js';
import type { Collections } from './collections.js';
import { isDuplicateKey } from './documents.js';

export class MongoPairwiseSubjectRepo implements PairwiseSubjectRepo {
  constructor(private readonly col: Collections['pairwiseSubjects']) {}

  async remember(record: PairwiseSubjectRecord): Promise<void> {
    await this.col.insertOne({ ...record, _id: pairwiseKey(record.sector, record.pairwiseSub) }).catch((err: unknown) => {
      // The key is derived from the mapping, so an existing entry is this same mapping.
      if (!isDuplicateKey(err)) throw err;
    });
  }

  async find(sector: string, pairwiseSub: string): Promise<string | null> {
    const doc = await this.col.findOne({ _id: pairwiseKey(sector, pairwiseSub) }, { projection: { sub: 1 } });
    return doc?.sub ?? null;
  }
}
