/**
 * Twilio API errors → notifier errors. The library throws a RestException (legacy JSON
 * `{code, message, more_info, status}`) or a TwilioServiceException (RFC 9457 problem JSON);
 * both carry the HTTP `status` and Twilio's numeric error `code`.
 * Codes: https://www.twilio.com/docs/api/errors
 */
import type { NotifyError } from '../notifier.js';

// Twilio codes that say "this recipient cannot get an SMS from you", not "try again".
const RECIPIENT_REFUSED: Record<number, string> = {
  21211: 'invalid To number',
  21214: 'To number cannot be reached',
  21408: 'sending to this region is not enabled',
  21610: 'the recipient has unsubscribed (STOP)',
  21612: 'no route to the To number',
  21614: 'To number is not a mobile number',
};

export function classifyTwilioError(err: unknown): NotifyError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { status, code } = err as { status?: unknown; code?: unknown };
  if (typeof status !== 'number') return undefined; // not an API answer: a network error
  const twilioCode = typeof code === 'number' && code > 0 ? code : undefined;
  const detail = `HTTP ${status}${twilioCode ? `, Twilio error ${twilioCode}` : ''}: ${err.message.slice(0, 300)}`;
  if (status === 401 || twilioCode === 20003) {
    return { code: 'auth_failed', message: `Twilio refused our credentials (${detail})`, retryable: false };
  }
  if (status === 429 || twilioCode === 20429) {
    return { code: 'rate_limited', message: `Twilio is rate limiting us (${detail})`, retryable: true };
  }
  if (status >= 500) {
    return { code: 'provider_error', message: `Twilio failed (${detail})`, retryable: true };
  }
  if (twilioCode !== undefined && RECIPIENT_REFUSED[twilioCode]) {
    return { code: 'invalid_recipient', message: `${RECIPIENT_REFUSED[twilioCode]} (${detail})`, retryable: false };
  }
  return { code: 'invalid', message: `Twilio refused the message (${detail})`, retryable: false };
}
