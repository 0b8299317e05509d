/**
 * One process's worker over the shared outbox. Entries reach it two ways: handed over by this
 * process right after it queued them (a decision, the expiry processor: already leased, sent at
 * once), or claimed from the store when due (retries, and entries whose holder died: its lease
 * ran out). At most `concurrency` callbacks are in flight; the claim loop asks for no more than
 * there is room for, and looks again every `pollIntervalMs`, or sooner when a retry it scheduled
 * falls due. While a backlog lasts it holds up to `concurrency` more leased entries ready beside
 * those in flight, so that it claims seldom and many at a time.
 */
import type { Logger } from '../../context.js';
import type { OutboxEntry, OutboxRepo } from '../../store/ports.js';
import { randomToken } from '../../oauth/secrets.js';

export interface DispatcherDeps {
  outbox: OutboxRepo;
  log: Logger;
  now(): number;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  /** Works one leased entry; resolves with when to look for due entries again, or null. */
  process(entry: OutboxEntry): Promise<number | null>;
}

export class Dispatcher {
  private readonly waiting: OutboxEntry[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private claiming = false;
  /** The last claim filled every free slot: more are probably due. */
  private backlog = false;
  /**
   * With a backlog, a new claim waits for this many free slots: a claim costs about the same for
   * one entry as for many (the embedded store finds every due entry to pick some), so they are
   * batched. 1,000 due entries took 63 claims of 16 with a quarter of the concurrency and no
   * entries held ready; they now take ~16 (the first claim fills both halves).
   */
  private readonly claimBatch: number;
  /** Entries in flight plus entries leased and waiting for a slot. */
  private readonly capacity: number;
  private stopped = true;

  constructor(private readonly deps: DispatcherDeps) {
    this.capacity = deps.concurrency * 2;
    this.claimBatch = deps.concurrency;
  }

  start(): void {
    this.stopped = false;
    this.wakeIn(0);
  }

  /** Entries this process queued and leased to itself: no claim needed. */
  handOver(entries: readonly OutboxEntry[]): void {
    if (this.stopped) return;
    this.waiting.push(...entries);
    this.pump();
  }

  /**
   * Stops claiming and waits for the callbacks in flight. Entries handed over but not started are
   * released, so another process (or this one after a restart) takes them without waiting out a lease.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.deps.now();
    const released = this.waiting.splice(0).map((entry) =>
      this.deps.outbox.settle(entry.id, entry.leaseOwner as string, { status: 'queued', nextAttemptAt: now, attempted: false, lastError: null }, now),
    );
    await Promise.allSettled([...released, ...this.inFlight]);
  }

  private freeSlots(): number {
    return this.capacity - this.inFlight.size - this.waiting.length;
  }

  private pump(): void {
    while (!this.stopped && this.inFlight.size < this.deps.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift() as OutboxEntry;
      const run: Promise<void> = this.deps
        .process(entry)
        .then((again) => {
          if (again !== null) this.wakeIn(again - this.deps.now());
        })
        .catch((err: unknown) => this.deps.log.error({ err, authReqId: entry.id }, 'callback processing failed'))
        .finally(() => {
          this.inFlight.delete(run);
          if (this.backlog && this.freeSlots() >= this.claimBatch) this.wakeIn(0);
          this.pump();
        });
      this.inFlight.add(run);
    }
  }

  /** Claims due entries within `delayMs` (never later than the poll interval). */
  private wakeIn(delayMs: number): void {
    if (this.stopped) return;
    const delay = Math.max(0, Math.min(delayMs, this.deps.pollIntervalMs));
    const at = Date.now() + delay;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      void this.claim();
    }, delay);
    this.timer.unref();
  }

  private async claim(): Promise<void> {
    if (this.stopped || this.claiming) return;
    const free = this.freeSlots();
    if (free <= 0 || (this.backlog && free < this.claimBatch)) {
      this.backlog = true;
      return;
    }
    this.claiming = true;
    try {
      const now = this.deps.now();
      const claimed = await this.deps.outbox.claimDue(randomToken(12), now, now + this.deps.leaseMs, free);
      this.backlog = claimed.length === free;
      this.waiting.push(...claimed);
      this.pump();
    } catch (err) {
      this.deps.log.error({ err }, 'claiming due callbacks failed');
    } finally {
      this.claiming = false;
      this.wakeIn(this.backlog ? 0 : this.deps.pollIntervalMs);
    }
  }
}
