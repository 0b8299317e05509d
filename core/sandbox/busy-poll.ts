/**
 * Keeps a process's event loop polling, instead of sleeping, for a short while after it sent a
 * message whose answer (or successor) usually follows within microseconds: the supervisor while
 * its calls are in flight (only towards a worker that is itself polling), a worker after each
 * result or capability call it sends. On a virtual machine a process that sleeps lets its CPU
 * halt, and the message that wakes it pays for the halt on both sides: the sender's kernel
 * interrupts the halted CPU (a hypervisor exit), and the woken process runs on caches the host
 * has reused meanwhile. Measured here, a trivial hook call went from ~140 µs to ~100 µs p50
 * with both sides polling (bench/RESULTS.md, which also gives what it costs in the tail).
 *
 * Polling is a chain of `setImmediate`s: while one is pending, libuv polls for I/O without
 * blocking, so the process serves every socket and timer as usual — it only stays awake. A
 * window is bounded, so an idle process is back to sleep within `windowUs`.
 *
 * Polling only pays while the peer runs on another CPU. When the scheduler puts both processes
 * on one CPU (a wake-up on a socket places the woken process on the waker's CPU when it can), a
 * poller holds the CPU its peer needs, and the message waits for the poller's time slice to
 * end: phases of several ms in which each call took 0.4–0.9 ms were measured here. So a window
 * that ends with nothing heard (a miss), or a turn of the loop that took far longer than a turn
 * takes (the process was preempted: something else wanted this CPU), stops polling for a
 * cool-down that doubles with each miss in a row. A process called rarely misses every time, so
 * it polls at most once per `MAX_COOL_DOWN_MS`. What these rules let through is the price in
 * the tail (core/sandbox/README.md, "Per-call cost").
 */

/** The first cool-down after a miss; each further miss in a row doubles it. */
const COOL_DOWN_MS = 1;
const MAX_COOL_DOWN_MS = 128;
/**
 * A turn of the polling loop takes a few µs; one that took longer, with nothing heard or sent
 * in it, means this process was preempted.
 */
const PREEMPTED_MS = 0.05;

export class BusyPoll {
  private readonly windowMs: number;
  private until = 0;
  private polling = false;
  private heardInWindow = false;
  /** Something was heard or sent since the loop's last turn, whose time went to handling it. */
  private busySinceTick = false;
  private lastTick = 0;
  private misses = 0;
  private coolUntil = 0;

  /** `windowUs`: how long a window lasts (0 turns polling off); `now` is the clock, in ms. */
  constructor(
    windowUs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.windowMs = windowUs > 0 ? windowUs / 1000 : 0;
  }

  /**
   * Opens a window (or restarts the one open): polls for the next `windowUs` unless polling is
   * off or cooling down after a miss. Tells whether it polls.
   */
  hold(): boolean {
    if (this.windowMs === 0) return false;
    const now = this.now();
    if (now < this.coolUntil) return false;
    // A window that heard something and is restarted before it ran out counts as a hit.
    if (this.heardInWindow) this.misses = 0;
    this.until = now + this.windowMs;
    this.heardInWindow = false;
    this.busySinceTick = true;
    if (!this.polling) {
      this.polling = true;
      this.lastTick = now;
      setImmediate(this.tick);
    }
    return true;
  }

  /** A message came in: the window open (if any) was worth it. */
  heard(): void {
    this.heardInWindow = true;
    this.busySinceTick = true;
  }

  /** Nothing more is expected: sleep at the loop's next turn (not a miss if something was heard). */
  release(): void {
    this.until = 0;
  }

  /** Whether the event loop is being kept awake now. */
  get active(): boolean {
    return this.polling;
  }

  private readonly tick = (): void => {
    const now = this.now();
    const preempted = !this.busySinceTick && now - this.lastTick > PREEMPTED_MS;
    this.lastTick = now;
    this.busySinceTick = false;
    if (now < this.until && !preempted) {
      setImmediate(this.tick);
      return;
    }
    this.polling = false;
    this.until = 0;
    if (this.heardInWindow && !preempted) {
      this.misses = 0;
    } else {
      this.misses += 1;
      this.coolUntil = now + Math.min(MAX_COOL_DOWN_MS, COOL_DOWN_MS * 2 ** (this.misses - 1));
    }
  };
}
