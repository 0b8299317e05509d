/**
 * How a ping or push callback gets into the outbox without ever being lost. Whatever takes an auth
 * request out of `pending` (a decision, a failed notification, the expiry processor) runs its
 * transition through `around`: the entry is written first, leased to this process, then the
 * transition runs, then this process sends. If the process dies in between, the lease runs out and
 * another process sends; if the transition lost a race, the entry still reports the state that
 * won (the sender reads it). One entry per auth request, so a racing second writer adds nothing.
 */
import type { AuthRequestRecord, OutboxEntry, OutboxRepo } from '../../store/ports.js';
import { randomToken } from '../../oauth/secrets.js';

export interface CallbackQueue {
  /** Runs `transition` (which takes `records` out of `pending`) so that their ping/push clients are called back. */
  around<T>(records: readonly AuthRequestRecord[], transition: () => Promise<T>): Promise<T>;
}

export interface CallbacksDeps {
  outbox: OutboxRepo;
  now(): number;
  leaseMs: number;
  /** Sends entries this process leased to itself. */
  handOver(entries: readonly OutboxEntry[]): void;
}

function entryFor(record: AuthRequestRecord, owner: string, now: number, leaseMs: number): OutboxEntry {
  return {
    id: record.id,
    clientId: record.clientId,
    mode: record.deliveryMode as OutboxEntry['mode'],
    status: 'queued',
    attempts: 0,
    nextAttemptAt: now,
    leaseOwner: owner,
    leaseExpiresAt: now + leaseMs,
    deadline: record.purgeAt,
    sealedPayload: null,
    grantId: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
  };
}

export class Callbacks implements CallbackQueue {
  constructor(private readonly deps: CallbacksDeps) {}

  async around<T>(records: readonly AuthRequestRecord[], transition: () => Promise<T>): Promise<T> {
    // Poll clients are never called back (CIBA §10.2, §10.3 apply to ping and push only).
    const notified = records.filter((r) => r.deliveryMode === 'ping' || r.deliveryMode === 'push');
    if (notified.length === 0) return transition();
    const now = this.deps.now();
    const owner = randomToken(12);
    const entries = notified.map((r) => entryFor(r, owner, now, this.deps.leaseMs));
    const queued = new Set(await this.deps.outbox.enqueue(entries));
    try {
      return await transition();
    } finally {
      this.deps.handOver(entries.filter((e) => queued.has(e.id)));
    }
  }
}
