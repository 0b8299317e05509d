/** Random identifiers and the digests under which bearer secrets are stored and compared. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: ≥ 128 bits of entropy in the `[A-Za-z0-9_-]` alphabet. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
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
