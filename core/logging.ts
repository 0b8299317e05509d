/**
 * The process logger: pino JSON, with every place a secret could sit redacted and request URLs
 * logged without their query (verification links carry their token there).
 *
 * Every line written while serving a request names it: handlers log through Fastify's request
 * logger, and code that runs for a request without being a handler (post-response jobs, hooks,
 * notifiers, script capabilities) is handed the request id or a child logger carrying it. Not an
 * AsyncLocalStorage: on Node 20 it makes V8 call a hook for every promise the process creates,
 * which cost ~7 % of a bc-authorize's CPU.
 */
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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        req(req: { method?: string; url?: string; id?: string }) {
          return { id: req.id, method: req.method, path: req.url?.split('?')[0] };
        },
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}

interface LineWriter {
  info(fields: object, msg?: string): void;
  warn(fields: object, msg?: string): void;
  error(fields: object, msg?: string): void;
  debug(fields: object, msg?: string): void;
}

/** `log`, with every line naming `requestId`: for code that runs for a request outside its handler. */
export function requestLogger(log: LineWriter, requestId: string | undefined): LineWriter {
  if (requestId === undefined) return log;
  return {
    info: (fields, msg) => log.info({ ...fields, requestId }, msg),
    warn: (fields, msg) => log.warn({ ...fields, requestId }, msg),
    error: (fields, msg) => log.error({ ...fields, requestId }, msg),
    debug: (fields, msg) => log.debug({ ...fields, requestId }, msg),
  };
}
