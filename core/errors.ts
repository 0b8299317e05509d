/**
 * The one error type of the OP. Every protocol error is defined here once, from its wire
 * code, with the HTTP status the specifications give it; the HTTP layer turns an `OAuthError`
 * into `{error, error_description}` and nothing else (CIBA §13, RFC 6749 §5.2).
 */

export const STATUS_BY_CODE = {
  invalid_request: 400,
  invalid_scope: 400,
  invalid_grant: 400,
  unsupported_grant_type: 400,
  unauthorized_client: 400,
  expired_login_hint_token: 400,
  unknown_user_id: 400,
  missing_user_code: 400,
  invalid_user_code: 400,
  invalid_binding_message: 400,
  authorization_pending: 400,
  slow_down: 400,
  expired_token: 400,
  invalid_client_metadata: 400,
  invalid_redirect_uri: 400,
  invalid_client: 401,
  invalid_token: 401,
  access_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  request_too_large: 413,
  unsupported_media_type: 415,
  server_error: 500,
  temporarily_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

/** Descriptions must be printable ASCII without `"` or `\` (CIBA §13, RFC 6749 §5.2). */
function sanitizeDescription(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, ' ').slice(0, 500);
}

export class OAuthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly description: string;
  /** Extra response headers, e.g. `WWW-Authenticate` for `invalid_client` with Basic. */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, description: string, headers: Record<string, string> = {}) {
    // A protocol answer (authorization_pending on every poll) needs no stack, and capturing one
    // was ~5 % of a poll's CPU; server errors keep theirs.
    const stackTraceLimit = Error.stackTraceLimit;
    if (STATUS_BY_CODE[code] < 500) Error.stackTraceLimit = 0;
    super(`${code}: ${description}`);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'OAuthError';
    this.code = code;
    this.status = STATUS_BY_CODE[code];
    this.description = sanitizeDescription(description);
    this.headers = headers;
  }

  toJSON(): { error: ErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

/** `throw oauthError('invalid_request', '…')` reads better at the many call sites. */
export function oauthError(code: ErrorCode, description: string, headers?: Record<string, string>): OAuthError {
  return new OAuthError(code, description, headers);
}

export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError;
}
