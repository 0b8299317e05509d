/** /admin/clients: list, show, create, update, rotate the secret, disable/enable, delete. */
import type { FastifyInstance } from 'fastify';
import type { OpContext } from '../context.js';
import { createClient, deleteClient, listClients, rotateClientSecret, setClientDisabled, showClient, updateClient } from './clients.js';
import { byClientId, clientSummary, clientWithSecret, freeObject } from './schemas.js';

type ById = { Params: { clientId: string } };
type WithBody = { Body: Record<string, unknown> };

const metadataBody = { ...freeObject, description: 'RFC 7591 client metadata, validated as at registration' } as const;

export function clientsRoutes(op: OpContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/admin/clients', { schema: { summary: 'List clients', response: { 200: { type: 'object', properties: { clients: { type: 'array', items: clientSummary } } } } } }, async () => ({
      clients: await listClients(op),
    }));

    app.get<ById>('/admin/clients/:clientId', { schema: { summary: 'Show a client', params: byClientId, response: { 200: clientSummary } } }, async (request) =>
      showClient(op, request.params.clientId),
    );

    app.post<WithBody>(
      '/admin/clients',
      {
        schema: {
          summary: 'Create a client; its secret is in the response and nowhere else',
          body: { ...metadataBody, properties: { client_id: { type: 'string', description: 'default: a random id' } } },
          response: { 201: clientWithSecret },
        },
      },
      async (request, reply) => {
        reply.code(201);
        return createClient(op, request.body);
      },
    );

    app.put<ById & WithBody>(
      '/admin/clients/:clientId',
      { schema: { summary: 'Replace the metadata of a client (not of one from the configuration)', params: byClientId, body: metadataBody, response: { 200: clientSummary } } },
      async (request) => updateClient(op, request.params.clientId, request.body),
    );

    app.post<ById>(
      '/admin/clients/:clientId/secret',
      { schema: { summary: 'Rotate the client secret: the old one stops working at once', params: byClientId, response: { 200: clientWithSecret } } },
      async (request) => rotateClientSecret(op, request.params.clientId),
    );

    for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
      app.post<ById>(
        `/admin/clients/:clientId/${action}`,
        { schema: { summary: `${action === 'disable' ? 'Disable' : 'Enable'} a client`, params: byClientId, response: { 200: clientSummary } } },
        async (request) => setClientDisabled(op, request.params.clientId, disabled),
      );
    }

    app.delete<ById>('/admin/clients/:clientId', { schema: { summary: 'Delete a client', params: byClientId } }, async (request, reply) => {
      await deleteClient(op, request.params.clientId);
      return reply.code(204).send();
    });
  };
}
