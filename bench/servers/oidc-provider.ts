/**
 * oidc-provider 9 doing what our OP does in the bench: CIBA poll mode, one static
 * client_secret_basic client, RS256 ID tokens, USERS accounts resolved from `login_hint`, an
 * in-memory store that keeps expired requests, and a verification link per request sent to the
 * driver over IPC. Its approval route mirrors ours: GET shows the request, POST approves it
 * through `provider.backchannelResult`, and the link works once.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Provider, { type Account, type BackchannelAuthenticationRequest, type KoaContext } from 'oidc-provider';
import { CIBA_GRANT, CLIENT, TTL, USERS, userSub } from '../protocol.js';
import { KeepingMemoryAdapter } from './keeping-memory-adapter.js';
import { benchPort, sendLink, stopWithDriver, toDriver } from './lifecycle.js';

/** The acr and amr our OP records for an approval through the link. */
const LINK_ACR = 'urn:ciba-op:acr:link';
const LINK_AMR = ['otp'];
const BODY_LIMIT_BYTES = 64 * 1024;

stopWithDriver();
const port = benchPort();
const url = `http://127.0.0.1:${port}`;

const users = new Set(Array.from({ length: USERS }, (_, n) => userSub(n)));
/** SHA-256 of a link token → auth_req_id; like ours, only the digest is kept. */
const links = new Map<string, string>();

const digest = (value: string): string => createHash('sha256').update(value).digest('base64url');

function signingKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };
}

const provider = new Provider(url, {
  adapter: KeepingMemoryAdapter,
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  clients: [
    {
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      client_name: CLIENT.name,
      grant_types: [CIBA_GRANT],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      backchannel_token_delivery_mode: 'poll',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  scopes: ['openid'],
  claims: { openid: ['sub'] },
  acrValues: [LINK_ACR],
  ttl: {
    BackchannelAuthenticationRequest: TTL.authRequestSec,
    AccessToken: TTL.accessTokenSec,
    IdToken: TTL.idTokenSec,
    Grant: TTL.accessTokenSec,
  },
  async findAccount(_ctx: unknown, sub: string): Promise<Account | undefined> {
    return users.has(sub) ? { accountId: sub, claims: () => ({ sub }) } : undefined;
  },
  features: {
    devInteractions: { enabled: false },
    ciba: {
      enabled: true,
      deliveryModes: ['poll'],
      async processLoginHint(_ctx: unknown, loginHint: string): Promise<string | undefined> {
        return users.has(loginHint) ? loginHint : undefined;
      },
      async validateRequestContext(): Promise<void> {},
      async verifyUserCode(): Promise<void> {},
      async triggerAuthenticationDevice(_ctx: unknown, request: BackchannelAuthenticationRequest): Promise<void> {
        const token = randomBytes(32).toString('base64url');
        links.set(digest(token), request.jti);
        sendLink(request.jti, `${url}/verify?token=${token}`);
      },
    },
  },
});

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function pendingRequest(token: string | undefined): Promise<BackchannelAuthenticationRequest | null> {
  const id = token ? links.get(digest(token)) : undefined;
  const request = id ? await provider.BackchannelAuthenticationRequest.find(id) : undefined;
  return request && !request.grantId && !request.error && !request.isExpired ? request : null;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > BODY_LIMIT_BYTES) throw new Error('body too large');
  }
  return new URLSearchParams(body);
}

async function decisionPage(ctx: KoaContext, token: string, request: BackchannelAuthenticationRequest): Promise<void> {
  const client = await provider.Client.find(request.clientId);
  const minutesLeft = Math.max(1, Math.ceil((request.exp * 1000 - Date.now()) / 60_000));
  const scopes = request.scope.split(' ').map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>Sign-in request</title></head><body>
<h1>${escapeHtml(client?.clientName ?? request.clientId)} asks you to sign in</h1>
<p>It would receive:</p><ul>${scopes}</ul>
<p>This request expires in ${minutesLeft} minutes.</p>
<form method="post" action="/verify">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit" name="decision" value="approve">Approve</button>
</form></body></html>`;
}

/** The bench only approves, so that is the only decision this route knows. */
async function approve(ctx: KoaContext, token: string, request: BackchannelAuthenticationRequest): Promise<void> {
  links.delete(digest(token));
  const grant = new provider.Grant({ accountId: request.accountId, clientId: request.clientId });
  grant.addOIDCScope(request.scope);
  await grant.save();
  await provider.backchannelResult(request, grant, { acr: LINK_ACR, amr: LINK_AMR, authTime: Math.floor(Date.now() / 1000) });
  ctx.body = '<!doctype html><html><body><h1>You approved the request</h1></body></html>';
}

provider.use(async (ctx, next) => {
  if (ctx.path !== '/verify') return next();
  ctx.type = 'text/html; charset=utf-8';
  const form = ctx.method === 'POST' ? await readForm(ctx.req) : null;
  const token = form ? (form.get('token') ?? undefined) : typeof ctx.query.token === 'string' ? ctx.query.token : undefined;
  const request = await pendingRequest(token);
  if (!token || !request) {
    ctx.status = 404;
    ctx.body = '<!doctype html><html><body><h1>This link is no longer valid</h1></body></html>';
    return;
  }
  if (ctx.method === 'GET') return decisionPage(ctx, token, request);
  if (ctx.method === 'POST' && form?.get('decision') === 'approve') return approve(ctx, token, request);
  ctx.status = 400;
  ctx.body = '<!doctype html><html><body><h1>Unsupported decision</h1></body></html>';
});

provider.listen(port, '127.0.0.1', () => toDriver({ type: 'ready', url }));
