import type { FastifyInstance } from 'fastify';
import { REGISTRATION_PATH, deleteClient, readClient, registerClient, updateClient } from '../../oauth/registration.js';

type WithClientId = { Params: { clientId: string } };

export async function registrationRoutes(app: FastifyInstance): Promise<void> {
  const op = app.op;
  app.post(REGISTRATION_PATH, async (request, reply) => {
    reply.code(201);
    return registerClient(op, request.body, request.headers.authorization);
  });
  app.get<WithClientId>(`${REGISTRATION_PATH}/:clientId`, async (request) =>
    readClient(op, request.params.clientId, request.headers.authorization),
  );
  app.put<WithClientId>(`${REGISTRATION_PATH}/:clientId`, async (request) =>
    updateClient(op, request.params.clientId, request.body, request.headers.authorization),
  );
  app.delete<WithClientId>(`${REGISTRATION_PATH}/:clientId`, async (request, reply) => {
    await deleteClient(op, request.params.clientId, request.headers.authorization);
    return reply.code(204).send();
  });
}
