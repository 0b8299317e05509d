/**
 * The verification page: server-rendered HTML without script. `GET /verify?token=…` (the link)
 * moves the token into a cookie and redirects to `/verify` (link-session.ts), which shows the
 * request; `POST /verify` decides it — with the CSRF token of the page that was shown, and the
 * sign-in the request's acr demands. Unknown, used and expired links all get one neutral page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthRequestRecord } from '../store/ports.js';
import { pendingRequestForLink } from '../ciba/decision.js';
import { VERIFY_PATH } from '../ciba/verification-link.js';
import { credentialsFrom } from './authentication.js';
import { decideAsEndUser } from './end-user-decision.js';
import { clearedLinkCookie, csrfMatches, csrfTokenFor, linkCookie, linkTokenFrom } from './link-session.js';
import type { NoticeKind, Pages, ReviewForm } from './pages.js';
import { requestView } from './request-view.js';

const HTML = 'text/html; charset=utf-8';
const STYLESHEET_PATH = '/assets/enduser.css';

const tokenQuery = {
  type: 'object',
  properties: { token: { type: 'string', maxLength: 128 } },
} as const;

/** `csrf` is checked by the handler, so that a missing one gets a page rather than a JSON error. */
const decisionBody = {
  type: 'object',
  required: ['decision'],
  properties: {
    csrf: { type: 'string', maxLength: 128 },
    decision: { enum: ['approve', 'deny'] },
    username: { type: 'string', maxLength: 255 },
    password: { type: 'string', maxLength: 1024 },
  },
} as const;

interface DecisionBody {
  csrf?: string;
  decision: 'approve' | 'deny';
  username?: string;
  password?: string;
}

export function pageRoutes(app: FastifyInstance, pages: Pages): void {
  const op = app.op;

  app.get(STYLESHEET_PATH, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8');
    return pages.css;
  });

  function notice(reply: FastifyReply, status: number, locale: string, kind: NoticeKind, variables?: Record<string, number>): FastifyReply {
    return reply.code(status).type(HTML).send(pages.notice(locale, kind, variables));
  }

  /** The pending request the browser's link cookie names, or null. */
  async function session(request: FastifyRequest): Promise<{ token: string; record: AuthRequestRecord } | null> {
    const token = linkTokenFrom(request, op.config);
    const record = token ? await pendingRequestForLink(op, token) : null;
    return token && record ? { token, record } : null;
  }

  async function review(reply: FastifyReply, status: number, locale: string, record: AuthRequestRecord, form: ReviewForm): Promise<FastifyReply> {
    const view = requestView(op, pages.messages, locale, record, await op.store.clients.get(record.clientId));
    return reply.code(status).type(HTML).send(pages.review(locale, view, form));
  }

  app.get<{ Querystring: { token?: string } }>(VERIFY_PATH, { schema: { querystring: tokenQuery } }, async (request, reply) => {
    const locale = pages.locale(request.headers['accept-language']);
    const fromLink = request.query.token;
    if (fromLink !== undefined) {
      const record = await pendingRequestForLink(op, fromLink);
      if (!record) return notice(reply, 404, locale, 'deadLink');
      const maxAgeSec = Math.ceil((record.expiresAt - op.now()) / 1000);
      return reply.code(303).header('set-cookie', linkCookie(op.config, fromLink, maxAgeSec)).header('location', VERIFY_PATH).send();
    }
    const current = await session(request);
    if (!current) return notice(reply, 404, locale, 'deadLink');
    return review(reply, 200, locale, current.record, { csrf: csrfTokenFor(current.token), problem: null, username: '' });
  });

  app.post<{ Body: DecisionBody }>(VERIFY_PATH, { schema: { body: decisionBody } }, async (request, reply) => {
    const locale = pages.locale(request.headers['accept-language']);
    const current = await session(request);
    if (!current) return notice(reply.header('set-cookie', clearedLinkCookie(op.config)), 404, locale, 'deadLink');
    const { csrf, decision, username } = request.body;
    if (!csrfMatches(current.token, csrf)) return notice(reply, 403, locale, 'stale');

    const { record } = current;
    const outcome = await decideAsEndUser(op, record, decision, credentialsFrom(request.body), request.log);
    if (outcome.ok) {
      const client = await op.store.clients.get(record.clientId);
      const clientName = client?.metadata.client_name ?? record.clientId;
      reply.header('set-cookie', clearedLinkCookie(op.config));
      return reply.type(HTML).send(pages.outcome(locale, outcome.state === 'approved', clientName));
    }
    switch (outcome.problem) {
      case 'gone':
        return notice(reply.header('set-cookie', clearedLinkCookie(op.config)), 404, locale, 'deadLink');
      case 'too_many_attempts':
        return notice(reply.header('set-cookie', clearedLinkCookie(op.config)), 403, locale, 'tooManyAttempts');
      case 'locked':
        return notice(reply, 403, locale, 'locked', { minutesLeft: Math.max(1, Math.ceil((outcome.lockedUntil - op.now()) / 60_000)) });
      default:
        return review(reply, 403, locale, record, { csrf: csrfTokenFor(current.token), problem: outcome.problem, username: username ?? '' });
    }
  });
}
