/**
 * The wall-clock deadlines of the calls in flight, behind one timer. A timer per call cost the
 * supervisor a timer-list insertion and removal on every call — a few µs of a hook call that
 * should cost as little as possible; here a call's deadline is a Map entry, and the one timer is
 * armed for the earliest deadline and moved only when a sooner one arrives. It fires on time for
 * every deadline: when it fires, each call that is due is handed to `onDue`, and the timer is armed
 * again for the next one.
 *
 * The timer does not keep the process alive: a call in flight always has a worker process whose
 * IPC channel does.
 */
const TIMER_GRAIN_MS = 1;
/** setTimeout's longest delay; beyond it Node fires after 1 ms. A later deadline re-arms on the way. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class Deadlines<T> {
  private readonly due = new Map<T, number>();
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() at which the armed timer fires; Infinity when none is armed. */
  private armedFor = Infinity;

  constructor(private readonly onDue: (item: T) => void) {}

  /** `item` is due `ms` from now. */
  add(item: T, ms: number): void {
    const at = performance.now() + ms;
    this.due.set(item, at);
    if (at < this.armedFor) this.arm(at);
  }

  /** `item` ended before its deadline. The timer stays: moving it would cost more than a spare wake-up. */
  delete(item: T): void {
    this.due.delete(item);
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => this.fire(), Math.min(MAX_DELAY_MS, Math.max(0, at - performance.now())));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    try {
      // Node's timers count whole milliseconds of a clock read once per loop turn, so one may fire
      // up to a millisecond before performance.now() reaches its time: that counts as due.
      const now = performance.now() + TIMER_GRAIN_MS;
      // Handing one item over may end others (or add new ones): each is looked up as it comes.
      for (const [item, at] of this.due) {
        if (at > now) continue;
        this.due.delete(item);
        this.onDue(item);
      }
    } finally {
      let next = Infinity;
      for (const at of this.due.values()) if (at < next) next = at;
      if (next < Infinity) this.arm(next);
    }
  }
}
