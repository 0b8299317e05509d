import type { FailureCounterRecord, FailureCounterRepo, FailurePolicy } from '../ports.js';
import { decideFailure } from '../failures.js';
import type { Collection } from './collection.js';

export class EmbeddedFailureCounterRepo implements FailureCounterRepo {
  constructor(private readonly c: Collection<FailureCounterRecord>) {}

  async get(key: string): Promise<FailureCounterRecord | null> {
    return this.c.get(key) ?? null;
  }

  /** Read, decide, write in one synchronous step, so concurrent failures each count. */
  async recordFailure(key: string, now: number, policy: FailurePolicy): Promise<FailureCounterRecord> {
    const record = this.c.set(key, { key, ...decideFailure(this.c.get(key) ?? null, now, policy) });
    return this.c.durable(record);
  }

  async clear(key: string): Promise<void> {
    this.c.delete(key);
    await this.c.written();
  }

  async purge(now: number): Promise<number> {
    return this.c.durable(this.c.deleteWhere((r) => r.purgeAt < now));
  }
}
