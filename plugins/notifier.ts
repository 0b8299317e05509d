/**
 * The one interface every bundled notifier implements. The OP (through the `notifyEndUser`
 * script's `api.notify.*` capabilities) hands a notifier one message for one end-user and gets
 * back a result; a notifier never throws at its caller, so a script can fall through to the
 * next channel on `delivered: false` without try/catch.
 */

import type * as Script from 'ciba-op/script';

/*
 * The message and result shapes are those of the script API (scripts/ciba-script.d.ts), because
 * `api.notify.*` hands a script's message to a notifier and its result back unchanged: one
 * definition keeps the two from drifting. Field by field:
 * - Channel: `push` is FCM (the script API calls it `api.notify.push`).
 * - EndUserMessage.to: email address, E.164 phone number, FCM device token or webhook URL, by
 *   channel. `link` is a bearer secret: it goes to the recipient and nowhere else. `expiresAt`
 *   is epoch milliseconds; `locale` a BCP 47 tag notifiers with localised templates match.
 * - NotifyError.retryable: whether the same message may succeed later on the same channel
 *   (network trouble, rate limits, provider outages) or not (bad recipient, refused
 *   credentials, malformed request). Codes: invalid_recipient (`to` malformed or refused),
 *   device_unregistered (push token gone), invalid (a 4xx), auth_failed (our credentials),
 *   rate_limited, redirected (webhook 3xx: never followed), timeout, unreachable (refused,
 *   reset, DNS, TLS), provider_error (5xx or nonsense), internal (a fault in the notifier).
 */
export type Channel = Script.Channel;
export type EndUserMessage = Script.EndUserMessage;
export type NotifyErrorCode = Script.NotifyErrorCode;
export type NotifyResult = Script.NotifyResult;
export type NotifyError = Extract<NotifyResult, { delivered: false }>['error'];

export interface Notifier {
  readonly channel: Channel;
  /**
   * Never rejects: every failure, including internal faults and timeouts, is a result. `logger`
   * takes this message's log lines instead of the notifier's own (the OP passes one that names
   * the request the message is sent for).
   */
  send(message: EndUserMessage, logger?: NotifierLogger): Promise<NotifyResult>;
  /** Releases connections (SMTP pool, keep-alive sockets); `send` must not be called after. */
  close(): Promise<void>;
}

/**
 * The logging the notifiers need, a structural subset of a pino logger so the OP's logger can
 * be passed as it is. Notifiers log outcomes with the auth request id, never `to` contents,
 * the link or secrets.
 */
export interface NotifierLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface NotifierOptions {
  logger?: NotifierLogger;
  /** Epoch milliseconds; injectable so expiry-dependent behaviour is testable. */
  now?: () => number;
}
