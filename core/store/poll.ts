/**
 * The poll rule of the CIBA token endpoint (CIBA §11 `slow_down`), as a pure function so both
 * adapters apply the very same rule: the embedded adapter runs it between a read and a write with
 * no `await` in between (one synchronous step), the MongoDB adapter mirrors it in an aggregation-pipeline update and
 * uses this function to describe the outcome from the document as it was before that update.
 */

export interface PollState {
  /** Seconds the client must wait between two token requests. */
  interval: number;
  /** Epoch ms of the latest token request; null before the first. */
  lastPollAt: number | null;
}

export interface PollDecision extends PollState {
  slowDown: boolean;
}

/**
 * A poll is slow when it comes less than `interval` seconds after the previous one (exactly
 * `interval` is fine). A poll that carries an earlier `now` than the latest recorded one — two
 * processes with slightly different clocks — is also slow, and `lastPollAt` never moves back.
 */
export function decidePoll(prev: PollState, now: number, slowDownStepSec: number): PollDecision {
  if (prev.lastPollAt === null) return { slowDown: false, interval: prev.interval, lastPollAt: now };
  const slowDown = now - prev.lastPollAt < prev.interval * 1000;
  return {
    slowDown,
    interval: slowDown ? prev.interval + slowDownStepSec : prev.interval,
    lastPollAt: Math.max(prev.lastPollAt, now),
  };
}
