/**
 * oidc-provider 9 doing what our OP does in the bench: CIBA poll mode, one static
 * client_secret_basic client, RS256 ID tokens, USERS accounts resolved from `login_hint`, an
 * in-memory store that keeps expired requests, and a verification link per request sent to the
 * driver over IPC. Its approval API mirrors our authenticator-app API: GET shows the request,
 * POST approves it through `provider.backchannelResult`, and the link works once.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createSecureContext, rootCertificates } from 'node:tls';
import Provider, { type Account, type BackchannelAuthenticationRequest, type KoaContext } from 'oidc-provider';
import { CIBA_GRANT, CLIENT, PING_CA_ENV, PING_ENDPOINT_ENV, TTL, USERS, userSub } from '../protocol.js';
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

/**
 * ping-flows: the bench client is a ping client calling the load's receiver back. oidc-provider 9
 * sends the ping inline from `backchannelResult` through its `fetch` option (global fetch, i.e.
 * Node's bundled undici) with a dispatcher of its own that destroys connections to special-use
 * addresses such as 127.0.0.1. The bench hands it a dispatcher of the same class (Node's bundled
 * undici Agent, found as oidc-provider finds it) that trusts Node's roots plus the test CA and
 * lets 127.0.0.1 through — what our OP's caFile and allowPrivateHosts do; its own 2.5 s timeout
 * signal and `redirect: 'manual'` are kept.
 */
const pingEndpoint = process.env[PING_ENDPOINT_ENV];
function benchFetch(caFile: string): (url: string, options: RequestInit) => Promise<Response> {
  void Response; // loads Node's bundled undici, which registers its global dispatcher
  const global = globalThis as unknown as Record<symbol, { constructor: new (options: unknown) => unknown } | undefined>;
  const Agent = (global[Symbol.for('undici.globalDispatcher.2')] ?? global[Symbol.for('undici.globalDispatcher.1')])?.constructor;
  if (!Agent) throw new Error("Node's bundled undici Agent was not found");
  // One TLS context, as our OP builds one: a `ca` option would parse Node's ~150 roots again for
  // every new connection, which made its pings 3× slower here and time out under load.
  const secureContext = createSecureContext({ ca: [...rootCertificates, readFileSync(caFile, 'utf8')] });
  const dispatcher = new Agent({ connect: { secureContext } });
  return (target, options) => fetch(target, { ...options, dispatcher } as RequestInit);
}
const ping = pingEndpoint
  ? {
      modes: ['poll', 'ping'],
      client: { backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: pingEndpoint },
      fetch: { fetch: benchFetch(process.env[PING_CA_ENV] ?? '') },
    }
  : { modes: ['poll'], client: { backchannel_token_delivery_mode: 'poll' }, fetch: {} };

const provider = new Provider(url, {
  ...ping.fetch,
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
      ...ping.client,
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
      deliveryModes: ping.modes,
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

async function pendingRequest(token: string | undefined): Promise<BackchannelAuthenticationRequest | null> {
  const id = token ? links.get(digest(token)) : undefined;
  const request = id ? await provider.BackchannelAuthenticationRequest.find(id) : undefined;
  return request && !request.grantId && !request.error && !request.isExpired ? request : null;
}

/**
 * The authenticator-app API, in the shape ours has (core/enduser/api-routes.ts): the link token
 * as a Bearer credential, GET shows the request as JSON, POST approves it.
 */
const API = { request: '/enduser/api/request', decision: '/enduser/api/decision' };

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > BODY_LIMIT_BYTES) throw new Error('body too large');
  }
  return body;
}

async function describeRequest(ctx: KoaContext, request: BackchannelAuthenticationRequest): Promise<void> {
  const client = await provider.Client.find(request.clientId);
  ctx.body = {
    client: { client_id: request.clientId, client_name: client?.clientName ?? null },
    scopes: request.scope.split(' '),
    expires_at: request.exp,
  };
}

/** The bench only approves, so that is the only decision this route knows. */
async function approve(ctx: KoaContext, token: string, request: BackchannelAuthenticationRequest): Promise<void> {
  links.delete(digest(token));
  const grant = new provider.Grant({ accountId: request.accountId, clientId: request.clientId });
  grant.addOIDCScope(request.scope);
  await grant.save();
  try {
    await provider.backchannelResult(request, grant, { acr: LINK_ACR, amr: LINK_AMR, authTime: Math.floor(Date.now() / 1000) });
  } catch (err) {
    // A ping client's ping is sent inline and its failure rejects here: the load records why.
    ctx.status = 500;
    ctx.body = { error: `backchannelResult_${(err as Error).name}` };
    return;
  }
  ctx.body = { state: 'approved' };
}

provider.use(async (ctx, next) => {
  if (ctx.path !== API.request && ctx.path !== API.decision) return next();
  const token = /^Bearer +([A-Za-z0-9_-]{1,128})$/.exec(ctx.req.headers.authorization ?? '')?.[1];
  const request = await pendingRequest(token);
  if (!token || !request) {
    ctx.status = 401;
    ctx.body = { error: 'invalid_token' };
    return;
  }
  if (ctx.method === 'GET' && ctx.path === API.request) return describeRequest(ctx, request);
  if (ctx.method === 'POST' && ctx.path === API.decision) {
    const decision = (JSON.parse(await readBody(ctx.req)) as { decision?: unknown }).decision;
    if (decision === 'approve') return approve(ctx, token, request);
  }
  ctx.status = 400;
  ctx.body = { error: 'invalid_request' };
});

provider.listen(port, '127.0.0.1', () => toDriver({ type: 'ready', url }));
