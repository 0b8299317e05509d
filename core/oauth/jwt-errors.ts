/**
 * What went wrong with a JWT someone sent us, as the end of a sentence the caller begins with
 * what the JWT was ("client_assertion has expired"): jose's verification errors, a jwks_uri that
 * could not be fetched or was refused, keys the client never registered. Anything else is a
 * fault of ours and is rethrown, to end as a logged server_error.
 */
import { errors } from 'jose';
import { OutboundRefused } from '../net/address-policy.js';
import { KeysUnavailable } from './jwks-fetch.js';

/** The clock difference tolerated between the OP and its clients when checking exp, nbf and iat. */
export const CLOCK_SKEW_SEC = 30;

/**
 * @param expected what each checked claim had to be, as the end of a sentence naming it
 *   (`{ aud: 'must contain https://op.example' }`), for a precise answer when one is wrong.
 */
export function jwtProblem(err: unknown, expected: Record<string, string> = {}): string {
  if (err instanceof errors.JWTExpired) return 'has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `lacks the ${err.claim} claim`;
    if (err.claim === 'nbf') return 'is not valid yet (nbf)';
    return expected[err.claim] ? `${err.claim} ${expected[err.claim]}` : `has an unacceptable ${err.claim} claim`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'has a signature that does not verify';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'is signed with an algorithm that is not allowed here';
  if (err instanceof errors.JWKSNoMatchingKey) return 'is signed with no key the signer registered (kid and alg)';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'matches several registered keys: its header must name one with kid';
  if (err instanceof errors.JWKSTimeout) return 'could not be checked: fetching jwks_uri timed out';
  if (err instanceof errors.JWKSInvalid) return 'could not be checked: jwks_uri does not serve a JWK Set';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'is not a well-formed signed JWT';
  if (err instanceof errors.JOSENotSupported) return 'uses a key or algorithm this OP does not support';
  if (err instanceof OutboundRefused) return `could not be checked: jwks_uri is refused (${err.message})`;
  if (err instanceof KeysUnavailable) return `could not be checked: ${err.message}`;
  throw err;
}
