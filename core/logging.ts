/**
 * The process logger: pino JSON, with every place a secret could sit redacted, and request URLs
 * logged without their query (verification links carry their token there).
 */
import { pino, type Logger } from 'pino';

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.client_secret',
  '*.clientSecret',
  '*.client_notification_token',
  '*.clientNotificationToken',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.password',
  '*.registration_access_token',
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
