import type { FastifyInstance } from 'fastify';
import { PATHS, discoveryDocument } from '../../oauth/discovery.js';

/** Metadata and keys change only at start or key rotation: cacheable for a few minutes. */
export async function discoveryRoutes(app: FastifyInstance): Promise<void> {
  const document = discoveryDocument(app.op.config);
  app.get(PATHS.discovery, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return document;
  });
  app.get(PATHS.jwks, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300').type('application/jwk-set+json');
    return app.op.keys.publicJwks;
  });
}
