/**
 * Assembles the Fastify app: parsers, error model, security headers, the post-response job
 * hook, and one encapsulated plugin per endpoint group.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import formbody from '@fastify/formbody';
import type { OpContext } from '../context.js';
import { enduserRoutes } from '../enduser/routes.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { securityHeaders } from './security-headers.js';
import { backchannelRoutes } from './routes/backchannel.js';
import { discoveryRoutes } from './routes/discovery.js';
import { registrationRoutes } from './routes/registration.js';
import { tokenRoutes } from './routes/token.js';
import { userinfoRoutes } from './routes/userinfo.js';

declare module 'fastify' {
  interface FastifyInstance {
    op: OpContext;
  }
  interface FastifyRequest {
    /** Work to run once the response has been sent (end-user notification). */
    afterResponse: (() => Promise<void>) | null;
  }
}

const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Access lines at debug level only: two info lines per request would cost more than the
 * protocol work on the hot endpoints. URLs are logged without their query (see core/logging.ts).
 */
class AccessLog extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.log.level !== 'debug' && reply.log.level !== 'trace') return;
    reply.log.debug({ req: request, statusCode: reply.statusCode, responseTimeMs: reply.elapsedTime, err: error ?? undefined }, 'request completed');
  }
}

export type RoutePlugin = (app: FastifyInstance) => Promise<void>;

/** `extra`: route plugins assembled elsewhere (the admin API, which needs services the protocol routes do not). */
export async function buildApp(op: OpContext, logger: FastifyServerOptions['loggerInstance'], extra: RoutePlugin[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : {}),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: op.config.trustProxy,
    logController: new AccessLog(),
    requestIdHeader: false,
    return503OnClosing: true,
  });
  app.decorate('op', op);
  app.decorateRequest('afterResponse', null);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('onSend', securityHeaders);
  app.addHook('onResponse', async (request) => {
    const job = request.afterResponse;
    if (!job) return;
    request.afterResponse = null;
    job().catch((err: unknown) => request.log.error({ err }, 'post-response job failed'));
  });

  await app.register(formbody);
  await app.register(discoveryRoutes);
  await app.register(registrationRoutes);
  await app.register(backchannelRoutes);
  await app.register(tokenRoutes);
  await app.register(userinfoRoutes);
  await app.register(enduserRoutes);
  for (const plugin of extra) await app.register(plugin);
  return app;
}
