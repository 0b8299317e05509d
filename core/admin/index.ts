/**
 * The admin API, assembled: one gate (the admin token) and one audit line for every route
 * under /admin, the route groups, and the OpenAPI document @fastify/swagger derives from their
 * schemas, served at /admin/openapi.json. Swagger is registered inside this plugin so the
 * document describes the admin routes only.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { OpContext } from '../context.js';
import type { ScriptService } from '../scripts/service.js';
import { auditLine } from './audit.js';
import { requireAdmin } from './auth.js';
import { clientsRoutes } from './clients-routes.js';
import { enrollmentRoutes } from './enrollment-routes.js';
import { keysRoutes } from './keys-routes.js';
import { requestsRoutes } from './requests-routes.js';
import { scriptsRoutes } from './scripts-routes.js';
import { usersRoutes } from './users-routes.js';

export const OPENAPI_PATH = '/admin/openapi.json';

export function adminApi(op: OpContext, scripts: ScriptService) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'ciba-op admin API',
          version: '1',
          description: 'Operator API of ciba-op. Every call needs `Authorization: Bearer <adminToken>`; errors are `{error, error_description}`.',
        },
        servers: [{ url: op.config.issuer }],
        components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
        security: [{ adminToken: [] }],
      },
      // Tag each route by its group (/admin/<group>/…) so tools list them together.
      transform: ({ schema, url }) => ({ schema: { ...schema, tags: [url.split('/')[2] ?? 'admin'] } as typeof schema, url }),
    });
    app.addHook('onRequest', requireAdmin(op.config.adminToken));
    app.addHook('onResponse', auditLine);

    await app.register(scriptsRoutes(scripts));
    await app.register(clientsRoutes(op));
    await app.register(usersRoutes(op));
    await app.register(enrollmentRoutes(op));
    await app.register(requestsRoutes(op));
    await app.register(keysRoutes(op));
    app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
  };
}
