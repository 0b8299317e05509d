/**
 * When a failed callback is tried again: exponential backoff with "equal jitter". The delay
 * doubles with every failure up to a cap, and a random half of it is added to a fixed half, so
 * callbacks that failed together (a client's endpoint was down for all of them) come back spread
 * out, yet none comes back much sooner than the backoff intends.
 */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

/** The delay after the `failures`-th failed attempt (1 for the first). `random` is in [0, 1). */
export function retryDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const full = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(Math.max(failures - 1, 0), 40));
  return Math.round(full / 2 + random() * (full / 2));
}
