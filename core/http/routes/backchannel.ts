/** POST /bc-authorize: acknowledge at once, reach the end-user after the response is sent. */
import type { FastifyInstance } from 'fastify';
import { PATHS } from '../../oauth/discovery.js';
import { authenticateClient } from '../../oauth/client-auth.js';
import { backchannelAuthenticate } from '../../ciba/bc-authorize.js';
import { FormParams } from '../form.js';

export async function backchannelRoutes(app: FastifyInstance): Promise<void> {
  const op = app.op;
  app.post(PATHS.backchannel, async (request) => {
    const params = FormParams.from(request.body);
    const client = await authenticateClient(op, request.headers.authorization, params);
    const ack = await backchannelAuthenticate(op, client, params, { requestId: String(request.id) });
    request.afterResponse = ack.notify;
    return ack.body;
  });
}
