import type { AuthRequestFilter, AuthRequestRecord, AuthRequestRepo, AuthRequestState, PollOutcome, TransitionPatch } from '../ports.js';
import { decidePoll } from '../poll.js';
import { authRequestListFilter, transitionFilter, transitionUpdate } from '../queries.js';
import { EXPIRE_UPDATE, expiredPendingFilter } from '../outbox-queries.js';
import type { Collection } from './collection.js';
import { compile } from './match.js';
import { byMember } from './order.js';

export class EmbeddedAuthRequestRepo implements AuthRequestRepo {
  constructor(private readonly c: Collection<AuthRequestRecord>) {}

  async create(record: AuthRequestRecord): Promise<void> {
    this.c.insert(record.id, record);
    await this.c.written();
  }

  async get(id: string): Promise<AuthRequestRecord | null> {
    return this.c.get(id) ?? null;
  }

  async findByLinkHash(linkHash: string): Promise<AuthRequestRecord | null> {
    return this.c.getUnique('linkHash', linkHash) ?? null;
  }

  /** A scan: operators' listing, not a request path. */
  async list(filter: AuthRequestFilter, limit: number): Promise<AuthRequestRecord[]> {
    return byMember(this.c.find(authRequestListFilter(filter)), 'createdAt', -1).slice(0, limit);
  }

  async transition(
    id: string,
    from: readonly AuthRequestState[],
    to: AuthRequestState,
    patch: TransitionPatch = {},
    notExpiredAt?: number,
  ): Promise<AuthRequestRecord | null> {
    const stored = this.c.update(id, transitionUpdate(to, patch), transitionFilter(id, from, notExpiredAt));
    return stored && this.c.durable(stored);
  }

  /** Read, decide, write in one synchronous step; only polls write `interval` and `lastPollAt`. */
  async registerPoll(id: string, now: number, slowDownStepSec: number): Promise<PollOutcome | null> {
    const current = this.c.get(id);
    if (!current) return null;
    const { slowDown, interval, lastPollAt } = decidePoll(current, now, slowDownStepSec);
    const record = this.c.update(id, { $set: { interval, lastPollAt } })!;
    return this.c.durable({ record, slowDown });
  }

  /** A scan of all requests (~1 ms per 100k), which only the expiry job makes. */
  async findExpiredPending(now: number, limit: number): Promise<AuthRequestRecord[]> {
    return byMember(this.c.find(expiredPendingFilter(now)), 'expiresAt').slice(0, limit);
  }

  async expire(ids: readonly string[], now: number): Promise<number> {
    const due = compile(expiredPendingFilter(now));
    let count = 0;
    for (const id of ids) {
      const current = this.c.get(id);
      if (!current || !due(id, current)) continue;
      this.c.update(id, EXPIRE_UPDATE);
      count += 1;
    }
    return this.c.durable(count);
  }

  async purge(now: number): Promise<number> {
    return this.c.durable(this.c.deleteWhere((r) => r.purgeAt < now));
  }
}
