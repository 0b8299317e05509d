/** The token bucket behind the rate limits, on a clock the test moves. */
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../core/http/rate-limit.js';

describe('TokenBuckets', () => {
  it('grants a burst, then one request per 1/rate seconds, and says how long to wait', () => {
    let now = 0;
    const buckets = new TokenBuckets({ ratePerSec: 2, burst: 3 }, () => now);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(1);
    now += 499;
    expect(buckets.take('a')).toBe(1);
    now += 2;
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('b')).toBe(0);
  });

  it('rounds the wait up to whole seconds for a slow rate', () => {
    const buckets = new TokenBuckets({ ratePerSec: 0.1, burst: 1 }, () => 0);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(10);
  });

  it('takes back a token given back, never above the burst', () => {
    let now = 0;
    const buckets = new TokenBuckets({ ratePerSec: 1, burst: 1 }, () => now);
    expect(buckets.take('a')).toBe(0);
    buckets.giveBack('a');
    buckets.giveBack('a');
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(1);
    now += 10_000;
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(1);
  });

  it('forgets idle keys once there are many, keeping the busy ones', () => {
    let now = 0;
    const buckets = new TokenBuckets({ ratePerSec: 1, burst: 1 }, () => now);
    for (let i = 0; i < 10_000; i++) buckets.take(`ip-${i}`);
    expect(buckets.size).toBe(10_000);
    now += 1000;
    expect(buckets.take('ip-0')).toBe(0);
    buckets.take('new');
    // Every bucket but ip-0 (just emptied again) had refilled completely: nothing to remember.
    expect(buckets.size).toBe(2);
    expect(buckets.take('ip-0')).toBe(1);
  });
});
