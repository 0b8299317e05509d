import type { FailureCounterRecord, FailureCounterRepo, FailurePolicy } from '../ports.js';
import { decideFailure } from '../failures.js';
import type { Datastore } from './collections.js';
import { fromDoc, toDoc } from './documents.js';
import { KeyedQueue } from './keyed-queue.js';

export class EmbeddedFailureCounterRepo implements FailureCounterRepo {
  private readonly queue = new KeyedQueue();

  constructor(private readonly db: Datastore<FailureCounterRecord>) {}

  async get(key: string): Promise<FailureCounterRecord | null> {
    return fromDoc<FailureCounterRecord>(await this.db.findOneAsync({ _id: key }));
  }

  /** Read, decide, write — serialised per key so concurrent failures each count. */
  recordFailure(key: string, now: number, policy: FailurePolicy): Promise<FailureCounterRecord> {
    return this.queue.run(key, async () => {
      const record: FailureCounterRecord = { key, ...decideFailure(await this.get(key), now, policy) };
      await this.db.updateAsync({ _id: key }, toDoc(record, key), { upsert: true });
      return record;
    });
  }

  async clear(key: string): Promise<void> {
    await this.queue.run(key, () => this.db.removeAsync({ _id: key }, {}));
  }

  async purge(now: number): Promise<number> {
    return this.db.removeAsync({ purgeAt: { $lt: now } }, { multi: true });
  }
}
