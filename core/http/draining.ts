/**
 * While the app closes, every response tells its client to drop the connection. Without this a
 * kept-alive connection that was serving a request when close began turns idle only afterwards
 * and holds server.close() open until its keep-alive timeout, far past any shutdown deadline.
 */
import type { FastifyInstance } from 'fastify';

export function dropConnectionsWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
