/**
 * FCM HTTP v1 error answers → notifier errors. FCM answers a Google API error,
 * `{error: {code, message, status, details: [{'@type': '...FcmError', errorCode}]}}`; the
 * `errorCode` is the precise reason, the HTTP status the fallback.
 * https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode
 */
import { NotifyFailure } from '../shared/delivery.js';

export function fcmFailure(status: number, body: Record<string, unknown>): NotifyFailure {
  const error = (typeof body.error === 'object' && body.error !== null ? body.error : {}) as Record<string, unknown>;
  const errorCode = fcmErrorCode(error.details) ?? (typeof error.status === 'string' ? error.status : undefined);
  const detail = `HTTP ${status}${errorCode ? `, ${errorCode}` : ''}${
    typeof error.message === 'string' ? `: ${error.message.slice(0, 200)}` : ''
  }`;
  switch (errorCode) {
    case 'UNREGISTERED':
      return new NotifyFailure('device_unregistered', `the device token is no longer registered (${detail})`, false);
    case 'SENDER_ID_MISMATCH':
      return new NotifyFailure('invalid_recipient', `the device token belongs to another Firebase project (${detail})`, false);
    case 'INVALID_ARGUMENT':
      return new NotifyFailure('invalid', `FCM refused the message or the device token (${detail})`, false);
    case 'QUOTA_EXCEEDED':
      return new NotifyFailure('rate_limited', `FCM sending quota exceeded (${detail})`, true);
    case 'THIRD_PARTY_AUTH_ERROR':
      return new NotifyFailure('auth_failed', `APNs or web push refused the project's credentials (${detail})`, false);
  }
  if (status === 401) {
    // The access token was refused; the caller drops it and the next send gets a new one.
    return new NotifyFailure('auth_failed', `FCM refused the access token (${detail})`, true);
  }
  if (status === 403) return new NotifyFailure('auth_failed', `the service account may not send with FCM (${detail})`, false);
  if (status === 404) return new NotifyFailure('device_unregistered', `FCM does not know the device token (${detail})`, false);
  if (status === 429) return new NotifyFailure('rate_limited', `FCM is rate limiting us (${detail})`, true);
  if (status >= 500) return new NotifyFailure('provider_error', `FCM failed (${detail})`, true);
  return new NotifyFailure('invalid', `FCM refused the message (${detail})`, false);
}

function fcmErrorCode(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as Array<Record<string, unknown>>) {
    if (String(detail?.['@type']).endsWith('google.firebase.fcm.v1.FcmError') && typeof detail.errorCode === 'string') {
      return detail.errorCode;
    }
  }
  return undefined;
}
