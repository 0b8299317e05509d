/**
 * Webhook notifier: an HTTPS POST of a signed JSON event to the deployer's own backend, which
 * then reaches the end-user its own way. Retries network failures and 5xx answers with
 * exponential backoff and jitter; never follows redirects (the signature vouches for the body,
 * not for wherever a 3xx points).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EndUserMessage, Notifier, NotifierLogger, NotifierOptions, NotifyResult } from '../notifier.js';
import { commonSchema, NotifierConfigError, validateConfig } from '../shared/config.js';
import { deliver, networkError, NotifyFailure, silentLogger } from '../shared/delivery.js';
import { HttpPoster, type HttpAnswer } from '../shared/http-post.js';
import { resolveSecret, secretSchema } from '../shared/secrets.js';
import { SIGNATURE_HEADER, signWebhook } from './signature.js';

export { DEFAULT_TOLERANCE_SEC, SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './signature.js';

export interface WebhookNotifierConfig {
  /** HMAC-SHA256 key, at least 32 characters, inline or from the env var named by secretEnv. */
  secret?: string;
  secretEnv?: string;
  /** Bound on the whole message, all attempts and pauses included. */
  timeoutMs?: number;
  /** Bound on one attempt. */
  attemptTimeoutMs?: number;
  maxAttempts?: number;
  /** First pause between attempts; doubles each time, with jitter. */
  retryBaseDelayMs?: number;
  maxResponseBytes?: number;
  ca?: string;
  /** Accept http:// receiver URLs: for a receiver on loopback in development, never in production. */
  allowInsecureHttp?: boolean;
}

export const webhookConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...secretSchema('secret', 32),
    timeoutMs: commonSchema.timeoutMs,
    attemptTimeoutMs: { type: 'integer', minimum: 100, maximum: 60_000, default: 3000 },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
    retryBaseDelayMs: { type: 'integer', minimum: 0, maximum: 60_000, default: 250 },
    maxResponseBytes: { type: 'integer', minimum: 0, maximum: 1_048_576, default: 16_384 },
    ca: commonSchema.ca,
    allowInsecureHttp: { type: 'boolean', default: false },
  },
} as const;

type ValidConfig = Required<Omit<WebhookNotifierConfig, 'secret' | 'secretEnv' | 'ca'>> &
  Pick<WebhookNotifierConfig, 'secret' | 'secretEnv' | 'ca'>;

/** The JSON body a receiver gets. Times are unix seconds. */
export interface WebhookEvent {
  type: 'ciba.authentication_requested';
  /** Unique per message and the same on every retry of it: receivers deduplicate by it. */
  id: string;
  created: number;
  data: {
    auth_req_id: string;
    sub: string;
    client_id: string;
    client_name: string;
    scopes: string[];
    binding_message: string | null;
    link: string;
    expires_at: number;
  };
}

export function createWebhookNotifier(config: WebhookNotifierConfig, options: NotifierOptions = {}): Notifier {
  const valid = validateConfig<ValidConfig>('webhook', webhookConfigSchema, config);
  const secret = resolveSecret('webhook', valid, 'secret');
  // The schema checks an inline secret's length; one from the environment is checked here.
  if (secret.length < 32) throw new NotifierConfigError('webhook', ['the secret must have at least 32 characters']);
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const poster = new HttpPoster({
    ...(valid.ca ? { ca: valid.ca } : {}),
    allowInsecureHttp: valid.allowInsecureHttp,
    maxResponseBytes: valid.maxResponseBytes,
  });
  const context = { channel: 'webhook' as const, logger, timeoutMs: valid.timeoutMs, secrets: () => [secret] };

  /** One POST; resolves when the receiver took the event, throws a classified failure otherwise. */
  async function post(url: URL, body: string, signal: AbortSignal): Promise<void> {
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'ciba-op-webhook/1',
      // Signed per attempt: a retry minutes later must not look like a replay.
      [SIGNATURE_HEADER]: signWebhook(secret, Math.floor(now() / 1000), body),
    };
    const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(valid.attemptTimeoutMs)]);
    let answer: HttpAnswer;
    try {
      answer = await poster.post(url, headers, body, attemptSignal);
    } catch (err) {
      // The attempt's own timeout is retryable; the message deadline (signal) ends everything.
      if (attemptSignal.aborted && !signal.aborted) {
        throw new NotifyFailure('timeout', `no answer within the ${valid.attemptTimeoutMs} ms attempt timeout`, true);
      }
      throw err;
    }
    if (answer.status >= 200 && answer.status < 300) return;
    throw answerFailure(answer);
  }

  return {
    channel: 'webhook',
    send(message: EndUserMessage, messageLogger?: NotifierLogger): Promise<NotifyResult> {
      return deliver(context, message, async (signal) => {
        const url = receiverUrl(message.to, poster);
        const event = webhookEvent(message, now());
        const body = JSON.stringify(event);
        for (let attempt = 1; ; attempt += 1) {
          try {
            await post(url, body, signal);
            return event.id;
          } catch (err) {
            const failure = err instanceof NotifyFailure ? err.error : networkError(err);
            // Only network trouble and 5xx are worth another attempt now; a 429 is retryable
            // later, by the caller, not in a tight loop against a receiver asking us to slow down.
            const again = failure?.retryable && failure.code !== 'rate_limited' && attempt < valid.maxAttempts;
            if (!again || signal.aborted) throw err;
            // Code only: the message may quote the receiver's body, which is not scrubbed yet.
            (messageLogger ?? logger).info({ channel: 'webhook', authReqId: message.authReqId, attempt, code: failure.code }, 'webhook attempt failed, retrying');
            await sleep(backoff(valid.retryBaseDelayMs, attempt), undefined, { signal });
          }
        }
      }, messageLogger);
    },
    async close() {
      poster.close();
    },
  };
}

function receiverUrl(to: string, poster: HttpPoster): URL {
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new NotifyFailure('invalid_recipient', 'to is not a URL', false);
  }
  if (!poster.accepts(url)) {
    throw new NotifyFailure('invalid_recipient', `to is a ${url.protocol} URL; receivers must use https`, false);
  }
  return url;
}

function webhookEvent(message: EndUserMessage, now: number): WebhookEvent {
  return {
    type: 'ciba.authentication_requested',
    id: `evt_${randomUUID()}`,
    created: Math.floor(now / 1000),
    data: {
      auth_req_id: message.authReqId,
      sub: message.sub,
      client_id: message.client.id,
      client_name: message.client.name,
      scopes: message.scopes,
      binding_message: message.bindingMessage,
      link: message.link,
      expires_at: Math.floor(message.expiresAt / 1000),
    },
  };
}

function answerFailure({ status, body }: HttpAnswer): NotifyFailure {
  const detail = `HTTP ${status}${body.trim() ? `: ${body.trim().slice(0, 200)}` : ''}`;
  if (status >= 300 && status < 400) {
    return new NotifyFailure('redirected', `the receiver redirected (${status}); redirects are not followed`, false);
  }
  if (status === 401 || status === 403) return new NotifyFailure('auth_failed', `the receiver refused the event (${detail})`, false);
  if (status === 429) return new NotifyFailure('rate_limited', `the receiver is rate limiting us (${detail})`, true);
  if (status >= 500) return new NotifyFailure('provider_error', `the receiver failed (${detail})`, true);
  return new NotifyFailure('invalid', `the receiver refused the event (${detail})`, false);
}

/** Exponential, with "equal jitter": half fixed, half random, so retries from many OPs spread out. */
function backoff(baseMs: number, attempt: number): number {
  const ceiling = baseMs * 2 ** (attempt - 1);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
