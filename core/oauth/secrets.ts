/** Random identifiers and the digests under which bearer secrets are stored and compared. */
import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

/**
 * Random bytes are drawn from a buffer refilled 4 KiB at a time (as Node does for randomUUID):
 * a CSPRNG call per token was ~3 % of a bc-authorize, which needs several (auth_req_id, link,
 * request id). Each token is encoded before the next draw, so no two share bytes.
 */
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;

function randomString(bytes: number, encoding: 'base64url' | 'hex'): string {
  if (bytes > pool.length) throw new RangeError(`at most ${pool.length} random bytes per token`);
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const value = pool.toString(encoding, poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return value;
}

/** 32 random bytes, base64url: ≥ 128 bits of entropy in the `[A-Za-z0-9_-]` alphabet. */
export function randomToken(bytes = 32): string {
  return randomString(bytes, 'base64url');
}

/** Random bytes as hex (request ids). */
export function randomHex(bytes: number): string {
  return randomString(bytes, 'hex');
}

/**
 * SHA-256, base64url. Enough for the high-entropy secrets the OP generates (client secrets,
 * tokens, links); human-chosen secrets (passwords, user codes) use scrypt in core/users/.
 */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Compares a presented secret with a stored digest in constant time. */
export function matchesDigest(presented: string, storedDigest: string): boolean {
  const a = Buffer.from(digest(presented));
  const b = Buffer.from(storedDigest);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time equality of two strings of possibly different lengths (admin tokens). */
export function safeEqual(a: string, b: string): boolean {
  return matchesDigest(a, digest(b));
}
