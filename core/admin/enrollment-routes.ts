/**
 * POST /admin/users/:sub/enrollment-codes: an operator (a help desk, an onboarding system)
 * gets a one-time code with which the user's authenticator app registers a device without the
 * user's password. The code is shown once; only its digest is kept.
 */
import type { FastifyInstance } from 'fastify';
import type { OpContext } from '../context.js';
import { oauthError } from '../errors.js';
import { issueEnrollmentCode } from '../devices/enrollment.js';
import { requireAdmin } from './auth.js';

const bySub = { type: 'object', required: ['sub'], properties: { sub: { type: 'string', minLength: 1, maxLength: 255 } } } as const;

export function enrollmentRoutes(op: Pick<OpContext, 'config' | 'store' | 'now'>) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook('onRequest', requireAdmin(op.config.adminToken));
    app.post<{ Params: { sub: string } }>('/admin/users/:sub/enrollment-codes', { schema: { params: bySub } }, async (request, reply) => {
      const user = await op.store.users.get(request.params.sub);
      if (!user || user.disabled) throw oauthError('not_found', 'no such user');
      const { code, expiresIn } = await issueEnrollmentCode(op, user.sub);
      request.log.info({ sub: user.sub }, 'enrollment code issued');
      return reply.code(201).send({ enrollment_code: code, expires_in: expiresIn });
    });
  };
}
