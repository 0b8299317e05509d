/**
 * Routes the end-user's authentication device talks to. The POST needs the link token, which
 * only the notified end-user holds, so a cross-site form cannot forge a decision; full
 * authentication per acr and CSRF tokens arrive with the end-user experience work.
 */
import type { FastifyInstance } from 'fastify';
import { acrFor, decide, pendingRequestForLink } from '../ciba/decision.js';
import { VERIFY_PATH } from '../ciba/verification-link.js';
import { deadLinkPage, decisionPage, outcomePage } from './verify-page.js';
import { STYLESHEET } from './html.js';

const HTML = 'text/html; charset=utf-8';
/** Possessing the link delivered to the user's device is a one-time secret (RFC 8176 `otp`). */
const LINK_AMR = ['otp'];

const tokenQuery = {
  type: 'object',
  properties: { token: { type: 'string', maxLength: 128 } },
} as const;

const decisionBody = {
  type: 'object',
  required: ['token', 'decision'],
  properties: {
    token: { type: 'string', maxLength: 128 },
    decision: { enum: ['approve', 'deny'] },
  },
} as const;

export async function enduserRoutes(app: FastifyInstance): Promise<void> {
  const op = app.op;

  app.get('/assets/enduser.css', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8');
    return STYLESHEET;
  });

  app.get<{ Querystring: { token?: string } }>(VERIFY_PATH, { schema: { querystring: tokenQuery } }, async (request, reply) => {
    reply.type(HTML);
    const token = request.query.token;
    const record = token ? await pendingRequestForLink(op, token) : null;
    if (!token || !record) return reply.code(404).send(deadLinkPage());
    const client = await op.store.clients.get(record.clientId);
    return decisionPage(record, client, token, op.now());
  });

  app.post<{ Body: { token: string; decision: 'approve' | 'deny' } }>(
    VERIFY_PATH,
    { schema: { body: decisionBody } },
    async (request, reply) => {
      reply.type(HTML);
      const { token, decision } = request.body;
      const pending = await pendingRequestForLink(op, token);
      if (!pending) return reply.code(404).send(deadLinkPage());
      const decided = await decide(op, pending, decision === 'approve', { acr: acrFor(op, pending), amr: LINK_AMR });
      if (!decided) return reply.code(404).send(deadLinkPage());
      return outcomePage(decided.state === 'approved');
    },
  );
}
