import type { PairwiseSubjectRecord, PairwiseSubjectRepo } from '../ports.js';
import { pairwiseKey } from '../queries.js';
import type { Collection } from './collection.js';

export class EmbeddedPairwiseSubjectRepo implements PairwiseSubjectRepo {
  constructor(private readonly c: Collection<PairwiseSubjectRecord>) {}

  /** The key is derived from the mapping, so an existing entry is this same mapping. */
  async remember(record: PairwiseSubjectRecord): Promise<void> {
    const key = pairwiseKey(record.sector, record.pairwiseSub);
    if (!this.c.has(key)) this.c.insert(key, record);
    await this.c.written();
  }

  async find(sector: string, pairwiseSub: string): Promise<string | null> {
    return this.c.get(pairwiseKey(sector, pairwiseSub))?.sub ?? null;
  }
}
