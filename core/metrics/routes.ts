/** GET /metrics: the Prometheus text exposition, behind a bearer token when one is configured. */
import type { FastifyInstance } from 'fastify';
import { requireBearer } from '../http/bearer-gate.js';
import type { Metrics } from './registry.js';

export const METRICS_PATH = '/metrics';

export function metricsRoutes(metrics: Metrics, token: string | null) {
  return async (app: FastifyInstance): Promise<void> => {
    if (token !== null) app.addHook('onRequest', requireBearer(token, 'ciba-op-metrics', 'metrics'));
    app.get(METRICS_PATH, async (_request, reply) => {
      reply.header('cache-control', 'no-store').type(metrics.contentType);
      return metrics.exposition();
    });
  };
}
