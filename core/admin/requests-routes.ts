/** /admin/requests: list by state, client or user; show without secrets; cancel. */
import type { FastifyInstance } from 'fastify';
import type { OpContext } from '../context.js';
import type { AuthRequestState } from '../store/ports.js';
import { cancelRequest, listRequests, showRequest } from './requests.js';
import { byRequestId, limitQuery, requestSummary } from './schemas.js';

type ById = { Params: { id: string } };
type ListQuery = { Querystring: { state?: AuthRequestState; client_id?: string; sub?: string; limit: number } };

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: requestSummary.properties.state,
    client_id: { type: 'string', maxLength: 128 },
    sub: { type: 'string', maxLength: 255 },
    limit: limitQuery,
  },
} as const;

export function requestsRoutes(op: OpContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<ListQuery>(
      '/admin/requests',
      {
        schema: {
          summary: 'List auth requests, newest first',
          querystring: listQuery,
          response: { 200: { type: 'object', properties: { requests: { type: 'array', items: requestSummary } } } },
        },
      },
      async (request) => {
        const { state, client_id: clientId, sub, limit } = request.query;
        return { requests: await listRequests(op, { state, clientId, sub }, limit) };
      },
    );

    app.get<ById>('/admin/requests/:id', { schema: { summary: 'Show an auth request', params: byRequestId, response: { 200: requestSummary } } }, async (request) =>
      showRequest(op, request.params.id),
    );

    app.post<ById>(
      '/admin/requests/:id/cancel',
      { schema: { summary: 'Cancel a pending or approved request: the client gets access_denied', params: byRequestId, response: { 200: requestSummary } } },
      async (request) => cancelRequest(op, request.params.id),
    );
  };
}
