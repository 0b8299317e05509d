/**
 * A static bearer token gate for operator endpoints (the admin API, /metrics): the presented
 * token is compared with the configured one in constant time.
 */
import type { FastifyRequest } from 'fastify';
import { oauthError } from '../errors.js';
import { safeEqual } from '../oauth/secrets.js';

export function requireBearer(expected: string, realm: string, what: string) {
  const challenge = { 'WWW-Authenticate': `Bearer realm="${realm}"` };
  return async (request: FastifyRequest): Promise<void> => {
    const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1] || !safeEqual(match[1], expected)) throw oauthError('invalid_token', `a valid ${what} bearer token is required`, challenge);
  };
}
