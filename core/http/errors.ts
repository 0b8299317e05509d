/**
 * Turns anything thrown in a route into the protocol's error format: an OAuthError as itself,
 * Fastify's parsing and schema failures as `invalid_request`, anything else as a 500
 * `server_error` that names the request id and nothing internal.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isOAuthError, oauthError, type OAuthError } from '../errors.js';

function fromFastifyError(err: FastifyError): OAuthError | null {
  if (err.validation) return oauthError('invalid_request', `invalid parameter: ${err.message}`);
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return oauthError('invalid_request', 'unsupported content type: send application/x-www-form-urlencoded (or application/json for registration)');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return oauthError('invalid_request', 'request body too large');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return oauthError('invalid_request', 'the body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return oauthError('invalid_request', 'invalid content length');
    default:
      break;
  }
  // JSON.parse failures from the JSON parser carry a 400 status but no code.
  if (err.statusCode === 400 && err instanceof SyntaxError) return oauthError('invalid_request', 'the body is not valid JSON');
  if (err.statusCode === 413) return oauthError('invalid_request', 'request body too large');
  return null;
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = isOAuthError(err) ? err : fromFastifyError(err);
  if (known) {
    const status = err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 413 : known.status;
    // 503s are load shedding (counted in metrics); a line each would flood the log under load.
    if (status >= 500 && status !== 503) request.log.error({ err }, known.description);
    reply.code(status).headers(known.headers).send(known.toJSON());
    return;
  }
  request.log.error({ err }, 'unexpected error');
  reply.code(500).send(oauthError('server_error', `unexpected error; request id ${request.id}`).toJSON());
}

export function notFoundHandler(_request: FastifyRequest, reply: FastifyReply): void {
  reply.code(404).send(oauthError('not_found', 'no such endpoint').toJSON());
}
