/**
 * /admin/scripts: the operator surface of interception scripts (the CLI speaks to it).
 * JSON in, JSON out, errors as `{error, error_description}`; the admin plugin (index.ts) puts
 * the token gate and the audit line in front of every route.
 */
import type { FastifyInstance } from 'fastify';
import type { ScriptService } from '../scripts/service.js';

const name = { type: 'string', minLength: 1, maxLength: 64 } as const;
const byName = { type: 'object', required: ['name'], properties: { name } } as const;
const byVersion = {
  type: 'object',
  required: ['name', 'version'],
  properties: { name, version: { type: 'integer', minimum: 1 } },
} as const;
const bySecret = { type: 'object', required: ['name', 'secret'], properties: { name, secret: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

const pushBody = {
  type: 'object',
  required: ['hook', 'source'],
  additionalProperties: false,
  properties: {
    hook: { type: 'string', maxLength: 64 },
    source: { type: 'string', minLength: 1 },
    author: { type: 'string', maxLength: 200 },
    activate: { type: 'boolean' },
  },
} as const;
const activateBody = {
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: { version: { type: ['integer', 'null'], minimum: 1 } },
} as const;
const testBody = {
  type: 'object',
  required: ['input'],
  additionalProperties: false,
  properties: {
    input: {},
    version: { type: 'integer', minimum: 1 },
    source: { type: 'string', minLength: 1 },
    hook: { type: 'string', maxLength: 64 },
  },
} as const;
const checkBody = {
  type: 'object',
  required: ['hook', 'source'],
  additionalProperties: false,
  properties: { hook: { type: 'string', maxLength: 64 }, source: { type: 'string', minLength: 1 } },
} as const;
const secretBody = { type: 'object', required: ['value'], additionalProperties: false, properties: { value: { type: 'string' } } } as const;

type Name = { Params: { name: string } };

/** Script sources may be up to 256 KiB (see ScriptService); JSON escaping can double that. */
const SOURCE_BODY_LIMIT = 1024 * 1024;

export function scriptsRoutes(service: ScriptService) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/admin/scripts', async () => ({ scripts: await service.list() }));
    app.post<{ Body: { hook: string; source: string } }>('/admin/scripts/check', { schema: { body: checkBody }, bodyLimit: SOURCE_BODY_LIMIT }, async (request) => {
      const problems = await service.check(request.body.source, request.body.hook);
      return { ok: problems.length === 0, problems };
    });
    app.get<Name>('/admin/scripts/:name', { schema: { params: byName } }, async (request) => service.show(request.params.name));
    app.get<Name>('/admin/scripts/:name/versions', { schema: { params: byName } }, async (request) => ({
      versions: await service.history(request.params.name),
    }));
    app.get<{ Params: { name: string; version: number } }>(
      '/admin/scripts/:name/versions/:version',
      { schema: { params: byVersion } },
      async (request) => service.version(request.params.name, request.params.version),
    );
    app.post<Name & { Body: { hook: string; source: string; author?: string; activate?: boolean } }>(
      '/admin/scripts/:name/versions',
      { schema: { params: byName, body: pushBody }, bodyLimit: SOURCE_BODY_LIMIT },
      async (request, reply) => {
        const { hook, source, author, activate } = request.body;
        reply.code(201);
        return service.push({ name: request.params.name, hook, source, author: author ?? 'admin-api', activate: activate ?? false });
      },
    );
    app.post<Name & { Body: { version: number | null } }>(
      '/admin/scripts/:name/activate',
      { schema: { params: byName, body: activateBody } },
      async (request) => ({ script: await service.activate(request.params.name, request.body.version) }),
    );
    app.post<Name & { Body: { input: unknown; version?: number; source?: string; hook?: string } }>(
      '/admin/scripts/:name/test',
      { schema: { params: byName, body: testBody }, bodyLimit: SOURCE_BODY_LIMIT },
      async (request) => service.dryRun(request.params.name, request.body),
    );
    app.get<Name>('/admin/scripts/:name/secrets', { schema: { params: byName } }, async (request) => ({
      secrets: await service.listSecrets(request.params.name),
    }));
    app.put<{ Params: { name: string; secret: string }; Body: { value: string } }>(
      '/admin/scripts/:name/secrets/:secret',
      { schema: { params: bySecret, body: secretBody } },
      async (request, reply) => {
        await service.setSecret(request.params.name, request.params.secret, request.body.value);
        return reply.code(204).send();
      },
    );
    app.delete<{ Params: { name: string; secret: string } }>(
      '/admin/scripts/:name/secrets/:secret',
      { schema: { params: bySecret } },
      async (request, reply) => {
        await service.deleteSecret(request.params.name, request.params.secret);
        return reply.code(204).send();
      },
    );
  };
}
