/** The one answer to every failed client authentication: 401 `invalid_client` (RFC 6749 §5.2). */
import { oauthError, type OAuthError } from '../errors.js';

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="ciba-op", charset="UTF-8"' };

/** With a Basic challenge, so HTTP clients know how they may retry. */
export function unauthenticated(description: string): OAuthError {
  return oauthError('invalid_client', description, CHALLENGE);
}
