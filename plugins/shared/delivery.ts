/**
 * The part of sending every channel shares: a deadline per message, turning every failure
 * (including a notifier's own bugs) into a result, scrubbing secrets from error texts, and one
 * log line per message.
 */
import type { Channel, EndUserMessage, NotifierLogger, NotifyError, NotifyErrorCode, NotifyResult } from '../notifier.js';
import { redact } from './secrets.js';

/** Thrown inside a notifier for a failure it has already classified. */
export class NotifyFailure extends Error {
  readonly error: NotifyError;
  constructor(code: NotifyErrorCode, message: string, retryable: boolean) {
    super(message);
    this.error = { code, message, retryable };
  }
}

/** For notifiers constructed without a logger. */
export const silentLogger: NotifierLogger = { info() {}, warn() {} };

export interface DeliveryContext {
  channel: Channel;
  logger: NotifierLogger;
  timeoutMs: number;
  /** Current secrets of the notifier (a function: an FCM access token changes over time). */
  secrets: () => readonly string[];
  /** Classifies errors a channel's library throws; `undefined` means "not recognised". */
  classify?: (err: unknown) => NotifyError | undefined;
}

/**
 * Runs `attempt` under the message deadline. `attempt` resolves with the provider's message id
 * (or undefined) when delivered, and throws otherwise. The deadline aborts `signal` and also
 * settles the result on its own, so a library that ignores the signal cannot hold a caller
 * past the deadline.
 */
export async function deliver(
  ctx: DeliveryContext,
  message: EndUserMessage,
  attempt: (signal: AbortSignal) => Promise<string | undefined>,
  logger: NotifierLogger = ctx.logger,
): Promise<NotifyResult> {
  const started = performance.now();
  const controller = new AbortController();
  const deadline = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  const timer = setTimeout(() => controller.abort(), ctx.timeoutMs);
  const fields = { channel: ctx.channel, authReqId: message.authReqId };
  try {
    const providerMessageId = await Promise.race([attempt(controller.signal), deadline]);
    logger.info({ ...fields, durationMs: elapsed(started), providerMessageId }, 'end-user notification delivered');
    return providerMessageId === undefined
      ? { delivered: true, channel: ctx.channel }
      : { delivered: true, channel: ctx.channel, providerMessageId };
  } catch (err) {
    const found = controller.signal.aborted ? timeoutError(ctx.timeoutMs) : classify(ctx, err);
    const error = { ...found, message: redact(found.message, [...ctx.secrets(), message.link]) };
    logger.warn(
      { ...fields, durationMs: elapsed(started), code: error.code, retryable: error.retryable, error: error.message },
      'end-user notification failed',
    );
    return { delivered: false, channel: ctx.channel, error };
  } finally {
    clearTimeout(timer);
  }
}

function timeoutError(ms: number): NotifyError {
  return { code: 'timeout', message: `no answer within the ${ms} ms message timeout`, retryable: true };
}

function classify(ctx: DeliveryContext, err: unknown): NotifyError {
  if (err instanceof NotifyFailure) return err.error;
  const known = ctx.classify?.(err) ?? networkError(err);
  if (known) return known;
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { code: 'internal', message: `unexpected failure in the ${ctx.channel} notifier: ${text}`, retryable: false };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

const UNREACHABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
]);

// ECONNABORTED is also how axios (inside the twilio client) reports its own timeout.
const TIMED_OUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

const TLS_REJECTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Classifies Node socket and TLS errors by their `code` (looking through `cause`, where
 * wrappers such as axios keep the original).
 */
export function networkError(err: unknown): NotifyError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth += 1) {
    const found = networkErrorCode((e as { code?: unknown }).code);
    if (found) return found;
  }
  return undefined;
}

/** The same, from a bare code (nodemailer keeps the socket's code in `originalCode`). */
export function networkErrorCode(code: unknown): NotifyError | undefined {
  if (typeof code !== 'string') return undefined;
  if (TLS_REJECTED.has(code)) {
    // A certificate problem needs an operator, not another attempt.
    return { code: 'unreachable', message: `the peer's TLS certificate was not accepted (${code})`, retryable: false };
  }
  if (UNREACHABLE.has(code)) {
    return { code: 'unreachable', message: `could not reach the peer (${code})`, retryable: true };
  }
  if (TIMED_OUT.has(code)) {
    return { code: 'timeout', message: `the peer did not answer in time (${code})`, retryable: true };
  }
  return undefined;
}
