/**
 * The admin API's one gate: `Authorization: Bearer <adminToken>`, compared in constant time.
 * With no token configured the API is closed, not open.
 */
import type { FastifyRequest } from 'fastify';
import { oauthError } from '../errors.js';
import { requireBearer } from '../http/bearer-gate.js';

const REALM = 'ciba-op-admin';

export function requireAdmin(adminToken: string | null) {
  if (adminToken === null) {
    return async (_request: FastifyRequest): Promise<void> => {
      throw oauthError('invalid_token', 'the admin API is disabled: set adminToken (CIBA_OP_ADMIN_TOKEN)', { 'WWW-Authenticate': `Bearer realm="${REALM}"` });
    };
  }
  return requireBearer(adminToken, REALM, 'admin');
}
