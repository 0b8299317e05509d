/**
 * The admin API's one gate: `Authorization: Bearer <adminToken>`, compared in constant time.
 * With no token configured the API is closed, not open.
 */
import type { FastifyRequest } from 'fastify';
import { oauthError } from '../errors.js';
import { safeEqual } from '../oauth/secrets.js';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="ciba-op-admin"' };

export function requireAdmin(adminToken: string | null) {
  return async (request: FastifyRequest): Promise<void> => {
    if (adminToken === null) throw oauthError('invalid_token', 'the admin API is disabled: set adminToken (CIBA_OP_ADMIN_TOKEN)', CHALLENGE);
    const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1] || !safeEqual(match[1], adminToken)) throw oauthError('invalid_token', 'a valid admin bearer token is required', CHALLENGE);
  };
}
