/**
 * The authenticator-app API: the same request and the same decision as the page, as JSON. The
 * app presents the link token (from the push it received) as `Authorization: Bearer`, so the
 * token stays out of URLs and logs; no cookie is involved, so there is nothing to forge
 * cross-site. Approving needs what the request's acr demands, exactly as on the page.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { oauthError } from '../errors.js';
import type { AuthRequestRecord } from '../store/ports.js';
import { pendingRequestForLink } from '../ciba/decision.js';
import { credentialsFrom } from './authentication.js';
import { decideAsEndUser, type EndUserOutcome } from './end-user-decision.js';
import type { Pages } from './pages.js';
import { requestView } from './request-view.js';

export const API_PATHS = { request: '/enduser/api/request', decision: '/enduser/api/decision' } as const;

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="ciba-op-enduser", error="invalid_token"' };

const decisionBody = {
  type: 'object',
  required: ['decision'],
  additionalProperties: false,
  properties: {
    decision: { enum: ['approve', 'deny'] },
    username: { type: 'string', maxLength: 255 },
    password: { type: 'string', maxLength: 1024 },
  },
} as const;

const REFUSALS: Record<Exclude<EndUserOutcome, { ok: true }>['problem'], () => Error> = {
  gone: () => oauthError('invalid_token', 'the link is not valid: unknown, already used or expired', CHALLENGE),
  credentials_required: () => oauthError('invalid_request', 'username and password are required to approve this request'),
  invalid_credentials: () => oauthError('access_denied', 'the username or password is not correct'),
  wrong_user: () => oauthError('access_denied', 'these credentials are not those of the user this request is for'),
  locked: () => oauthError('access_denied', 'the account is locked after too many failed sign-in attempts; try again later'),
  too_many_attempts: () => oauthError('access_denied', 'too many failed sign-in attempts: the request was denied'),
};

export function apiRoutes(app: FastifyInstance, pages: Pages): void {
  const op = app.op;

  /** The pending request behind the bearer link token; unknown, used and expired alike are 401. */
  async function requestOf(request: FastifyRequest): Promise<AuthRequestRecord> {
    const token = /^Bearer +([A-Za-z0-9_-]{1,128}) *$/.exec(request.headers.authorization ?? '')?.[1];
    const record = token ? await pendingRequestForLink(op, token) : null;
    if (!record) throw REFUSALS.gone();
    return record;
  }

  app.get(API_PATHS.request, async (request) => {
    const record = await requestOf(request);
    const locale = pages.locale(request.headers['accept-language']);
    const view = requestView(op, pages.messages, locale, record, await op.store.clients.get(record.clientId));
    return {
      client: { client_id: view.clientId, client_name: view.clientName, logo_uri: view.logoUri },
      scopes: view.scopes,
      binding_message: view.bindingMessage,
      expires_at: Math.floor(view.expiresAt / 1000),
      expires_in: view.secondsLeft,
      acr: view.acr,
      password_required: view.passwordRequired,
    };
  });

  app.post<{ Body: { decision: 'approve' | 'deny'; username?: string; password?: string } }>(
    API_PATHS.decision,
    { schema: { body: decisionBody } },
    async (request) => {
      const record = await requestOf(request);
      const outcome = await decideAsEndUser(op, record, request.body.decision, credentialsFrom(request.body), request.log);
      if (!outcome.ok) throw REFUSALS[outcome.problem]();
      return { state: outcome.state };
    },
  );
}
