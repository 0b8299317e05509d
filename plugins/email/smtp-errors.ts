/**
 * Nodemailer errors → notifier errors. Nodemailer tags each error with the step that failed
 * (`code`) and, where the server answered, the SMTP reply (`responseCode`, `response`).
 * RFC 5321: 5yz replies are permanent, 4yz transient (503, bad sequence, excepted: it says the
 * session was in the wrong state, not that the message was refused).
 */
import type { NotifyError } from '../notifier.js';
import { networkErrorCode } from '../shared/delivery.js';

interface SmtpError {
  code?: string;
  /** The socket's own code (ECONNREFUSED, a TLS verification code) behind ESOCKET and co. */
  originalCode?: string;
  responseCode?: number;
  response?: string;
}

export function classifySmtpError(err: unknown): NotifyError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, originalCode, responseCode, response } = err as SmtpError;
  const reply = response ? ` (${response.slice(0, 200)})` : '';
  const permanent = responseCode !== undefined && responseCode >= 500 && responseCode !== 503;
  switch (code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return { code: 'auth_failed', message: `the SMTP server refused our credentials${reply}`, retryable: false };
    case 'ETLS':
    case 'EREQUIRETLS':
      return networkErrorCode(originalCode) ?? {
        code: 'unreachable',
        message: `no TLS with the SMTP server: ${err.message}`,
        retryable: false,
      };
    case 'EENVELOPE':
      return permanent
        ? { code: 'invalid_recipient', message: `the SMTP server refused the envelope${reply}`, retryable: false }
        : { code: 'provider_error', message: `the SMTP server deferred the envelope${reply}`, retryable: true };
    case 'EMESSAGE':
      return permanent
        ? { code: 'invalid', message: `the SMTP server refused the message${reply}`, retryable: false }
        : { code: 'provider_error', message: `the SMTP server deferred the message${reply}`, retryable: true };
    case 'ETIMEDOUT':
      return { code: 'timeout', message: 'the SMTP server did not answer in time', retryable: true };
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
    case 'EPROTOCOL':
      return networkErrorCode(originalCode) ?? {
        code: 'unreachable',
        message: `lost the connection to the SMTP server (${code})${reply}`,
        retryable: true,
      };
    default:
      return undefined;
  }
}
