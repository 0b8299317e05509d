/** Retry delays of the callback outbox: doubling, capped, jittered between half and all of it. */
import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../core/ciba/outbox/backoff.js';

const policy = { initialDelayMs: 1000, maxDelayMs: 60_000 };

describe('retryDelay', () => {
  it('doubles with every failure, from half to all of the step', () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, policy, () => 0.999999))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('never exceeds the cap, however many failures', () => {
    expect(retryDelay(7, policy, () => 0.999999)).toBe(60_000);
    expect(retryDelay(1000, policy, () => 0.999999)).toBe(60_000);
    expect(retryDelay(1000, policy, () => 0)).toBe(30_000);
  });

  it('spreads callbacks that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelay(5, policy)));
    expect(delays.size).toBeGreaterThan(40);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(8000);
  });
});
