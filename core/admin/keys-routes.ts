/** /admin/keys: list the signing keys, rotate them. */
import type { FastifyInstance } from 'fastify';
import type { OpContext } from '../context.js';
import { listKeys, rotateKeys } from './keys.js';
import { keyInfo, rotation } from './schemas.js';

export function keysRoutes(op: OpContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/admin/keys', { schema: { summary: 'List signing keys (no key material)', response: { 200: { type: 'object', properties: { keys: { type: 'array', items: keyInfo } } } } } }, async () => ({
      keys: await listKeys(op),
    }));

    app.post<{ Body: { algorithms?: string[] } | undefined }>(
      '/admin/keys/rotate',
      {
        schema: {
          summary: 'Rotate: a new key per algorithm signs from now on, the old ones stay published until the tokens they signed expire',
          body: {
            type: ['object', 'null'],
            additionalProperties: false,
            properties: { algorithms: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' }, description: 'default: every configured algorithm' } },
          },
          response: { 200: { type: 'object', properties: { rotated: { type: 'array', items: rotation } } } },
        },
      },
      async (request) => ({ rotated: await rotateKeys(op, request.body?.algorithms) }),
    );
  };
}
