/**
 * Polls the isolates' CPU clocks from outside. isolated-vm's `timeout` does not cover code
 * resumed by a capability result (nor promise chains a script leaves running after its call),
 * so a runaway loop there is only seen as an isolate whose CPU keeps growing without any call
 * settling. The timer runs while calls are in flight and a few looks beyond, since left-over
 * code can only be woken by something a call did.
 */

/** Looks after which a quiet worker stops polling. */
const QUIET_LOOKS = 3;

export class CpuWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private quietLooks = 0;

  /** `look` checks every isolate and tells whether anything is (or may be) running. */
  constructor(
    private readonly intervalMs: number,
    private readonly look: () => boolean,
  ) {}

  /** A call started: watch until things are quiet again. */
  wake(): void {
    this.quietLooks = 0;
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
  }

  private tick(): void {
    if (this.look()) {
      this.quietLooks = 0;
    } else if (++this.quietLooks >= QUIET_LOOKS) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** Often enough to stop a runaway soon after its limit, rarely enough to cost nothing. */
export function watchIntervalMs(cpuTimeLimitMs: number): number {
  return Math.min(25, Math.max(5, Math.floor(cpuTimeLimitMs / 4)));
}
