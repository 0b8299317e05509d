import { describe, expect, it } from 'vitest';
import { digest, matchesDigest, randomHex, randomToken } from '../../core/oauth/secrets.js';

describe('random tokens', () => {
  it('are base64url of the asked length and never repeat, across refills of the pool', () => {
    const seen = new Set<string>();
    // 32-byte tokens: 128 per 4 KiB pool, so this crosses ~40 refills, odd sizes misalign them.
    for (let i = 0; i < 5000; i++) {
      const token = randomToken(i % 3 === 0 ? 33 : 32);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(token.length).toBe(i % 3 === 0 ? 44 : 43);
      seen.add(token);
    }
    expect(seen.size).toBe(5000);
  });

  it('gives hex ids of the asked size', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomHex(8)));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a token larger than the pool rather than repeating bytes', () => {
    expect(() => randomToken(5000)).toThrow(RangeError);
  });
});

describe('digests', () => {
  it('match the secret they were made from, and nothing else', () => {
    const secret = randomToken();
    expect(matchesDigest(secret, digest(secret))).toBe(true);
    expect(matchesDigest(`${secret}x`, digest(secret))).toBe(false);
  });
});
