import type { AuthRequestFilter, AuthRequestRecord, AuthRequestRepo, AuthRequestState, PollOutcome, TransitionPatch } from '../ports.js';
import { decidePoll } from '../poll.js';
import { authRequestListFilter, transitionFilter, transitionUpdate } from '../queries.js';
import { EXPIRE_UPDATE, expiredPendingFilter } from '../outbox-queries.js';
import type { Datastore } from './collections.js';
import { duplicateAs, fromDoc, fromDocs, toDoc } from './documents.js';
import { KeyedQueue } from './keyed-queue.js';

export class EmbeddedAuthRequestRepo implements AuthRequestRepo {
  private readonly polls = new KeyedQueue();

  constructor(private readonly db: Datastore<AuthRequestRecord>) {}

  async create(record: AuthRequestRecord): Promise<void> {
    await this.db.insertAsync(toDoc(record, record.id)).catch(duplicateAs('authRequests'));
  }

  async get(id: string): Promise<AuthRequestRecord | null> {
    return fromDoc<AuthRequestRecord>(await this.db.findOneAsync({ _id: id }));
  }

  async findByLinkHash(linkHash: string): Promise<AuthRequestRecord | null> {
    return fromDoc<AuthRequestRecord>(await this.db.findOneAsync({ linkHash }));
  }

  async list(filter: AuthRequestFilter, limit: number): Promise<AuthRequestRecord[]> {
    return fromDocs<AuthRequestRecord>(await this.db.findAsync(authRequestListFilter(filter)).sort({ createdAt: -1, _id: 1 }).limit(limit));
  }

  async transition(
    id: string,
    from: readonly AuthRequestState[],
    to: AuthRequestState,
    patch: TransitionPatch = {},
    notExpiredAt?: number,
  ): Promise<AuthRequestRecord | null> {
    const { affectedDocuments } = await this.db.updateAsync(
      transitionFilter(id, from, notExpiredAt),
      transitionUpdate(to, patch),
      { returnUpdatedDocs: true },
    );
    return fromDoc<AuthRequestRecord>(affectedDocuments);
  }

  /**
   * Read, decide, write — serialised per request so no other poll of it falls in between.
   * Only polls write `interval` and `lastPollAt`, so a concurrent transition is never undone.
   */
  registerPoll(id: string, now: number, slowDownStepSec: number): Promise<PollOutcome | null> {
    return this.polls.run(id, async () => {
      const current = await this.db.findOneAsync<AuthRequestRecord>({ _id: id });
      if (!current) return null;
      const { slowDown, interval, lastPollAt } = decidePoll(current, now, slowDownStepSec);
      const { affectedDocuments } = await this.db.updateAsync(
        { _id: id },
        { $set: { interval, lastPollAt } },
        { returnUpdatedDocs: true },
      );
      const record = fromDoc<AuthRequestRecord>(affectedDocuments);
      return record && { record, slowDown };
    });
  }

  async findExpiredPending(now: number, limit: number): Promise<AuthRequestRecord[]> {
    return fromDocs<AuthRequestRecord>(await this.db.findAsync(expiredPendingFilter(now)).sort({ expiresAt: 1 }).limit(limit));
  }

  async expire(ids: readonly string[], now: number): Promise<number> {
    if (ids.length === 0) return 0;
    const { numAffected } = await this.db.updateAsync(expiredPendingFilter(now, ids), EXPIRE_UPDATE, { multi: true });
    return numAffected;
  }

  async purge(now: number): Promise<number> {
    return this.db.removeAsync({ purgeAt: { $lt: now } }, { multi: true });
  }
}
