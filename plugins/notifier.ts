/**
 * The one interface every bundled notifier implements. The OP (through the `notifyEndUser`
 * script's `api.notify.*` capabilities) hands a notifier one message for one end-user and gets
 * back a result; a notifier never throws at its caller, so a script can fall through to the
 * next channel on `delivered: false` without try/catch.
 */

/** The medium a result came from; `push` is FCM (the script API calls it `api.notify.push`). */
export type Channel = 'email' | 'sms' | 'push' | 'webhook';

/** What the end-user is asked to approve, addressed to one recipient on one channel. */
export interface EndUserMessage {
  /** Email address, E.164 phone number, FCM device token or webhook URL, by channel. */
  to: string;
  authReqId: string;
  sub: string;
  client: { id: string; name: string; logoUri?: string };
  scopes: string[];
  bindingMessage: string | null;
  /** The verification URL. It is a bearer secret: it goes to the recipient and nowhere else. */
  link: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** BCP 47 tag, e.g. `de-CH`; notifiers with localised templates pick the closest one. */
  locale?: string;
}

/**
 * Why a message was not delivered. `retryable` says whether the same message may succeed later
 * on the same channel (network trouble, rate limits, provider outages) or not (bad recipient,
 * refused credentials, malformed request).
 */
export type NotifyErrorCode =
  | 'invalid_recipient' // `to` is malformed, or the provider refused it as an address/number
  | 'device_unregistered' // the push token is no longer registered with FCM
  | 'invalid' // the peer refused the request as malformed or unacceptable (a 4xx)
  | 'auth_failed' // our credentials were refused
  | 'rate_limited'
  | 'redirected' // a webhook receiver answered 3xx; redirects are never followed
  | 'timeout'
  | 'unreachable' // no connection: refused, reset, DNS, TLS
  | 'provider_error' // the peer failed (5xx) or answered something unintelligible
  | 'internal'; // a fault inside the notifier itself

export interface NotifyError {
  code: NotifyErrorCode;
  /** For operators: what went wrong, never a secret, the link or the peer's credentials. */
  message: string;
  retryable: boolean;
}

export type NotifyResult =
  | { delivered: true; channel: Channel; providerMessageId?: string }
  | { delivered: false; channel: Channel; error: NotifyError };

export interface Notifier {
  readonly channel: Channel;
  /** Never rejects: every failure, including internal faults and timeouts, is a result. */
  send(message: EndUserMessage): Promise<NotifyResult>;
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
