/**
 * The admin API's audit trail: one line per call, refused ones included, saying who did what to
 * which object with what result — method, route pattern, path parameters, query, status. Bodies
 * are never logged (they carry passwords, user codes and client metadata), nor are headers (the
 * admin token); secrets a response carries are not either.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export async function auditLine(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  request.log.info(
    {
      audit: {
        method: request.method,
        route: request.routeOptions.url ?? request.url.split('?')[0],
        params: request.params,
        query: request.query,
        status: reply.statusCode,
        actor: reply.statusCode === 401 ? 'unauthenticated' : 'admin-token',
      },
    },
    'admin call',
  );
}
