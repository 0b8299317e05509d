/**
 * The process logger: pino JSON, with every place a secret could sit redacted, request URLs
 * logged without their query (verification links carry their token there), and the id of the
 * request being served on every line — also on lines written through the process logger by code
 * that knows nothing of requests (notifiers, hooks, post-response jobs).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger } from 'pino';

/**
 * Top-level and one level down (pino's `*.` is one level). `verificationLink` is not here on
 * purpose: the devMode-only `log` channel writes it so a developer can open it; config refuses
 * that channel outside devMode.
 */
const SECRET_FIELDS = [
  'client_secret',
  'clientSecret',
  'client_notification_token',
  'clientNotificationToken',
  'access_token',
  'refresh_token',
  'id_token',
  'registration_access_token',
  'password',
  'user_code',
  'userCode',
  'link',
  'client_assertion',
];
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
];

/** The request a line belongs to; the HTTP layer enters it for handlers and post-response jobs. */
const requestScope = new AsyncLocalStorage<string>();

/** Runs `fn` so that every line the process logger writes in it (and its async continuations) names `requestId`. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return requestScope.run(requestId, fn);
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const root: Logger = pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Request loggers (Fastify's children) carry the id as a binding already; fields passed
      // explicitly win over this, so no line names its request twice.
      mixin(_fields, _level, logger) {
        const requestId = logger === root ? requestScope.getStore() : undefined;
        return requestId === undefined ? {} : { requestId };
      },
      serializers: {
        req(req: { method?: string; url?: string; id?: string }) {
          return { id: req.id, method: req.method, path: req.url?.split('?')[0] };
        },
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
  return root;
}
