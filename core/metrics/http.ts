/**
 * HTTP metrics as hooks on the root app: every response by route pattern (never the raw URL,
 * whose query may carry a verification token and whose variety would explode the series), its
 * OAuth error code when it is one, and successful token responses by grant type.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PATHS } from '../oauth/discovery.js';
import type { Metrics } from './registry.js';

/** Error bodies are `{"error":"<code>",...}` (core/errors.ts), so the code is read off the front. */
const ERROR_CODE = /^\{"error":"([a-z_]+)"/;

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

export function installHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  // Callback-style hooks: they run on every request (see core/http/app.ts).
  app.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      const code = ERROR_CODE.exec(payload)?.[1];
      if (code) metrics.oauthErrors.inc({ route: routeOf(request), error: code });
    }
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const labels = { method: request.method, route: routeOf(request), status: reply.statusCode };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode === 200 && labels.route === PATHS.token) {
      const grantType = (request.body as Record<string, unknown> | undefined)?.grant_type;
      if (typeof grantType === 'string') metrics.tokensIssued.inc({ grant_type: grantType });
    }
    done();
  });
}
