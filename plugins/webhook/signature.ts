/**
 * Webhook signatures, in the scheme Stripe made familiar:
 *
 *   CIBA-OP-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is inside the MAC, so a receiver that rejects old timestamps rejects replays of
 * captured requests; the raw body is, so any change to it breaks the signature. Receivers
 * import `verifyWebhookSignature` (or follow plugins/README.md in another language).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'CIBA-OP-Signature';
export const DEFAULT_TOLERANCE_SEC = 300;

/** The header value for `rawBody` sent at `timestampSec`. */
export function signWebhook(secret: string, timestampSec: number, rawBody: string): string {
  return `t=${timestampSec},v1=${mac(secret, timestampSec, Buffer.from(rawBody, 'utf8')).toString('hex')}`;
}

/**
 * Whether `header` is a valid signature of `rawBody` (the bytes exactly as received, before any
 * JSON parsing) made with `secret` no more than `toleranceSec` away from `now` (epoch ms).
 * Several `v1=` entries are allowed, so a sender can sign with an old and a new secret while
 * a rotation is under way.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined | null,
  rawBody: string | Uint8Array,
  now: number = Date.now(),
  toleranceSec: number = DEFAULT_TOLERANCE_SEC,
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const [name, value = ''] = part.trim().split('=', 2);
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  if (Math.abs(now / 1000 - timestamp) > toleranceSec) return false;
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const expected = mac(secret, timestamp, body);
  return candidates.some((candidate) => timingSafeEqual(candidate, expected));
}

function mac(secret: string, timestampSec: number, body: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(body).digest();
}
