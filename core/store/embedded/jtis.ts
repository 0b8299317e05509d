import type { JtiRepo } from '../ports.js';
import type { Collection } from './collection.js';

export class EmbeddedJtiRepo implements JtiRepo {
  constructor(private readonly c: Collection<{ expiresAt: number }>) {}

  /** Check and record in one synchronous step: an expired entry is taken over, an unexpired one wins. */
  async use(key: string, expiresAt: number, now: number): Promise<boolean> {
    const current = this.c.get(key);
    if (current && current.expiresAt > now) return false;
    this.c.set(key, { expiresAt });
    return this.c.durable(true);
  }

  async purge(now: number): Promise<number> {
    return this.c.durable(this.c.deleteWhere((r) => r.expiresAt < now));
  }
}
