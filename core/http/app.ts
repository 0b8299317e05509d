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
import { installHttpMetrics } from '../metrics/http.js';
import { randomHex } from '../oauth/secrets.js';
import { lazyChildLogger } from './request-logger.js';
import { installRateLimits } from './rate-limit.js';
import { PostResponseJobs } from './post-response-jobs.js';
import { dropConnectionsWhileClosing } from './draining.js';

declare module 'fastify' {
  interface FastifyInstance {
    op: OpContext;
    postResponseJobs: PostResponseJobs;
  }
  interface FastifyRequest {
    /** Work to run once the response has been sent (end-user notification). */
    afterResponse: (() => Promise<void>) | null;
  }
}

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
  const limits = op.config.http;
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : {}),
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    // Node enforces requestTimeout only when the server is created with it, and checks it every
    // 30 s by default, which would let a slow request run up to 30 s over.
    http: { requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs) },
    trustProxy: op.config.trustProxy,
    logController: new AccessLog({ requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyChildLogger,
    requestIdHeader: false,
    // Random rather than Fastify's counter, so ids stay unique across the processes of a deployment.
    genReqId: () => randomHex(8),
    return503OnClosing: true,
  });
  app.decorate('op', op);
  app.decorate('postResponseJobs', new PostResponseJobs());
  app.decorateRequest('afterResponse', null);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // Hooks on every request take callbacks rather than returning promises: each is one
  // allocation and one microtask less per request.
  app.addHook('onSend', securityHeaders);
  app.addHook('onResponse', (request, _reply, done) => {
    const job = request.afterResponse;
    if (job) {
      request.afterResponse = null;
      app.postResponseJobs.start(job, request.log);
    }
    done();
  });
  installHttpMetrics(app, op.metrics);
  installRateLimits(app, op.config.rateLimits, op.metrics);
  dropConnectionsWhileClosing(app);

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
