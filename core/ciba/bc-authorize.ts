/**
 * The Backchannel Authentication Endpoint (CIBA §7). The checks run in the order CIBA.md gives,
 * one small step each, composed in the table `STEPS`; the first to fail answers. Client
 * authentication runs before the table (it decides between 401 and everything else).
 */
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import type { FormParams } from '../http/form.js';
import type { AuthRequestRecord, ClientRecord, UserRecord } from '../store/ports.js';
import { CIBA_GRANT, REFRESH_GRANT } from '../oauth/client-metadata.js';
import { digest, randomToken } from '../oauth/secrets.js';
import { clientView, deviceView, userView } from '../hooks/views.js';
import type { HintKind, HookMeta } from '../hooks/types.js';
import { verificationUrl } from './verification-link.js';
import { unpackRequestObject } from './request-object.js';
import { resolveHint } from './hints.js';
import { isFapiClient } from '../oauth/fapi.js';
import { recordUserFailure, userLockedUntil } from '../users/lockout.js';

const HINTS: readonly HintKind[] = ['login_hint', 'login_hint_token', 'id_token_hint'];
/** RFC 6750 b64token: what a Bearer credential may contain. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

interface BcRequest {
  /** The form's parameters, replaced by a signed request's once it is verified. */
  params: FormParams;
  readonly client: ClientRecord;
  readonly meta: HookMeta;
  scopes: string[];
  acrValues: string[];
  expiresIn: number;
  notificationToken: string | null;
  hint: { kind: HintKind; value: string } | null;
  user: UserRecord | null;
  bindingMessage: string | null;
}

type Step = (req: BcRequest, op: OpContext) => void | Promise<void>;

const ensureCibaClient: Step = ({ client }, op) => {
  if (!op.config.cibaEnabled || !client.metadata.grant_types.includes(CIBA_GRANT)) {
    throw oauthError('unauthorized_client', 'the client is not registered for the CIBA grant');
  }
};

/** CIBA §7.1.1: a signed request carries the whole request; every later step reads its parameters. */
const applyRequestObject: Step = async (req, op) => {
  req.params = (await unpackRequestObject(op, req.client, req.params)) ?? req.params;
};

const checkScope: Step = (req, op) => {
  const raw = req.params.get('scope');
  if (raw === undefined) throw oauthError('invalid_request', 'scope is required');
  const scopes = [...new Set(raw.split(' ').filter(Boolean))];
  if (!scopes.includes('openid')) throw oauthError('invalid_scope', 'scope must contain openid');
  const allowed = req.client.metadata.scope?.split(' ') ?? op.config.scopesSupported;
  for (const scope of scopes) {
    if (!allowed.includes(scope)) throw oauthError('invalid_scope', `scope ${scope} is not allowed for this client`);
  }
  if (scopes.includes('offline_access') && !req.client.metadata.grant_types.includes(REFRESH_GRANT)) {
    throw oauthError('invalid_scope', 'offline_access needs the refresh_token grant, which the client is not registered for');
  }
  req.scopes = scopes;
};

/** acr_values are preferences (OIDC Core §3.1.2.1): unsupported ones are dropped, not refused. */
const checkAcrValues: Step = (req, op) => {
  const requested = req.params.get('acr_values')?.split(' ').filter(Boolean) ?? [];
  const supported = requested.filter((acr) => op.config.acrValuesSupported.includes(acr));
  req.acrValues = supported.length ? supported : [...op.config.defaultAcrValues];
};

/** A positive integer (sent as a form string); above the maximum it is capped, not refused (CIBA §7.1). */
const checkRequestedExpiry: Step = (req, op) => {
  const raw = req.params.get('requested_expiry');
  if (raw === undefined) {
    req.expiresIn = op.config.backchannelAuthenticationResponseExpiresIn;
    return;
  }
  if (!/^[1-9][0-9]{0,9}$/.test(raw.trim())) {
    throw oauthError('invalid_request', 'requested_expiry must be a positive integer');
  }
  req.expiresIn = Math.min(Number(raw.trim()), op.config.cibaMaxExpirationTimeAllowedSec);
};

const checkNotificationToken: Step = (req) => {
  const token = req.params.get('client_notification_token');
  const mode = req.client.metadata.backchannel_token_delivery_mode;
  if (token === undefined) {
    if (mode === 'ping' || mode === 'push') {
      throw oauthError('invalid_request', `client_notification_token is required for ${mode} mode`);
    }
    return;
  }
  if (token.length > 1024) throw oauthError('invalid_request', 'client_notification_token must not exceed 1024 characters');
  if (!B64TOKEN.test(token)) throw oauthError('invalid_request', 'client_notification_token must be a bearer token (RFC 6750 b64token)');
  req.notificationToken = mode === 'poll' ? null : token;
};

/** Exactly one hint, decided before any of them is looked at (CIBA §7.1). */
const requireExactlyOneHint: Step = (req) => {
  const present = HINTS.filter((kind) => req.params.has(kind));
  if (present.length !== 1 || !present[0]) {
    throw oauthError('invalid_request', 'exactly one of login_hint, login_hint_token and id_token_hint is required');
  }
  req.hint = { kind: present[0], value: req.params.get(present[0]) as string };
};

const resolveUser: Step = async (req, op) => {
  const { client, scopes, acrValues, meta } = req;
  req.user = await resolveHint(op, req.hint as NonNullable<BcRequest['hint']>, { client, scopes, acrValues, meta });
};

/**
 * A locked user (too many wrong passwords or user codes, core/users/lockout.ts) cannot be sent
 * a request either: CIBA must not become the way around a lockout. `access_denied` (403) is
 * the code CIBA §13 gives for the OP refusing the request; `unknown_user_id` would be untrue.
 * It comes after user resolution because only a known user can be locked, and before the
 * user code so that a locked user's code cannot be tried.
 */
const refuseLockedUser: Step = async (req, op) => {
  if ((await userLockedUntil(op, (req.user as UserRecord).sub)) !== null) {
    throw oauthError('access_denied', 'the end-user is temporarily locked after too many failed authentication attempts');
  }
};

/**
 * Demanded only when the OP supports user codes and the client registered for them (CIBA §7.1).
 * A wrong code counts against the user like a wrong password, so user codes cannot be guessed.
 */
const checkUserCode: Step = async (req, op) => {
  if (!op.config.backchannelUserCodeParameterSupported || !req.client.metadata.backchannel_user_code_parameter) return;
  const code = req.params.get('user_code');
  if (code === undefined) throw oauthError('missing_user_code', 'user_code is required for this client');
  const outcome = await op.hooks.run(
    'validateUserCode',
    { user: userView(req.user as UserRecord), code, client: clientView(req.client) },
    req.meta,
  );
  if ('error' in outcome) {
    await recordUserFailure(op, (req.user as UserRecord).sub);
    throw oauthError('invalid_user_code', outcome.error_description ?? 'the user_code is not valid');
  }
};

/** Under the FAPI-CIBA profile the binding message is the request's unique authorization context. */
const checkBindingMessage: Step = async (req, op) => {
  const message = req.params.get('binding_message');
  if (message === undefined && isFapiClient(op.config, req.client.metadata)) {
    throw oauthError('invalid_request', 'binding_message is required under the FAPI-CIBA profile');
  }
  if (message === undefined) return;
  if (!bindingPattern(op.config.backchannelBindingMessagePattern).test(message)) {
    throw oauthError('invalid_binding_message', 'binding_message does not match the allowed pattern');
  }
  const outcome = await op.hooks.run('validateBindingMessage', { message, client: clientView(req.client) }, req.meta);
  if ('error' in outcome) throw oauthError('invalid_binding_message', outcome.error_description ?? 'binding_message is not acceptable');
  req.bindingMessage = message;
};

const STEPS: readonly Step[] = [
  ensureCibaClient,
  applyRequestObject,
  checkScope,
  checkAcrValues,
  checkRequestedExpiry,
  checkNotificationToken,
  requireExactlyOneHint,
  resolveUser,
  refuseLockedUser,
  checkUserCode,
  checkBindingMessage,
];

const patterns = new Map<string, RegExp>();
function bindingPattern(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) {
    pattern = new RegExp(source, 'u');
    patterns.set(source, pattern);
  }
  return pattern;
}

export interface Acknowledgement {
  body: { auth_req_id: string; expires_in: number; interval?: number };
  /** Runs after the response is on its way: reaches the end-user. */
  notify: () => Promise<void>;
}

export async function backchannelAuthenticate(
  op: OpContext,
  client: ClientRecord,
  params: FormParams,
  meta: HookMeta,
): Promise<Acknowledgement> {
  const req: BcRequest = {
    params,
    client,
    meta,
    scopes: [],
    acrValues: [],
    expiresIn: 0,
    notificationToken: null,
    hint: null,
    user: null,
    bindingMessage: null,
  };
  for (const step of STEPS) {
    // Most steps are synchronous: awaiting only the promises saves a microtask hop each.
    const pending = step(req, op);
    if (pending) await pending;
  }

  const now = op.now();
  const linkToken = randomToken();
  const deliveryMode = client.metadata.backchannel_token_delivery_mode ?? 'poll';
  const record: AuthRequestRecord = {
    id: randomToken(),
    clientId: client.clientId,
    sub: (req.user as UserRecord).sub,
    scope: req.scopes,
    acrValues: req.acrValues,
    bindingMessage: req.bindingMessage,
    clientNotificationToken: req.notificationToken,
    deliveryMode,
    state: 'pending',
    createdAt: now,
    expiresAt: now + req.expiresIn * 1000,
    purgeAt: now + (req.expiresIn + op.config.cibaGrantLifeExtraTimeSec) * 1000,
    interval: op.config.backchannelAuthenticationResponseInterval,
    lastPollAt: null,
    linkHash: digest(linkToken),
    decidedAt: null,
    authTime: null,
    acr: null,
    amr: null,
    reason: null,
  };
  await op.store.authRequests.create(record);

  const body: Acknowledgement['body'] = { auth_req_id: record.id, expires_in: req.expiresIn };
  if (deliveryMode !== 'push') body.interval = record.interval;
  return {
    body,
    notify: () => notifyEndUser(op, record, req.user as UserRecord, client, verificationUrl(op.config.issuer, linkToken), meta),
  };
}

/**
 * Reaches the end-user. A request nobody could be told about can never be approved, so it is
 * failed at once and the client hears so instead of polling until expiry.
 */
async function notifyEndUser(
  op: OpContext,
  record: AuthRequestRecord,
  user: UserRecord,
  client: ClientRecord,
  link: string,
  meta: HookMeta,
): Promise<void> {
  let reason: string | null = null;
  try {
    const outcome = await op.hooks.run(
      'notifyEndUser',
      {
        authReqId: record.id,
        user: userView(user),
        client: clientView(client),
        scopes: record.scope,
        acrValues: record.acrValues,
        bindingMessage: record.bindingMessage,
        link,
        expiresAt: record.expiresAt,
        devices: (await op.store.devices.listBySub(user.sub)).map(deviceView),
      },
      meta,
    );
    if (!outcome.sent.some((m) => m.delivered)) reason = 'the end-user could not be reached';
  } catch (err) {
    op.log.error({ err, authReqId: record.id, requestId: meta.requestId }, 'notifyEndUser failed');
    reason = 'the end-user could not be reached';
  }
  if (reason) {
    await op.callbacks.around([record], () =>
      op.store.authRequests.transition(record.id, ['pending'], 'failed', { reason, decidedAt: op.now() }),
    );
    op.log.warn({ authReqId: record.id, requestId: meta.requestId }, 'auth request failed: end-user not notified');
  }
}
