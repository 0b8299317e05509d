import type { FastifyInstance } from 'fastify';
import { PATHS } from '../../oauth/discovery.js';
import { userinfo } from '../../oauth/userinfo.js';

export async function userinfoRoutes(app: FastifyInstance): Promise<void> {
  const handler = async (request: { headers: { authorization?: string } }) => userinfo(app.op, request.headers.authorization);
  app.get(PATHS.userinfo, handler);
  app.post(PATHS.userinfo, handler);
}
