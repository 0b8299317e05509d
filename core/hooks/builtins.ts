/**
 * The built-in behaviour of every hook: what runs while no script is active for it.
 * scripts/ holds the same logic as TypeScript for deployers to start from.
 */
import type { Config } from '../config/types.js';
import type { UserRepo } from '../store/ports.js';
import { verifySecret } from '../users/password.js';
import type { Notifiers } from '../notify/notifiers.js';
import type { Channel, EndUserMessage } from '../../plugins/notifier.js';
import type { HookInputs, HookMeta, HookName, HookOutputs, SentMessage, UserView } from './types.js';
import type { Logger } from '../context.js';
import { requestLogger } from '../logging.js';
import type { ClientJwtVerifier } from '../oauth/client-jwt.js';

export interface BuiltinDeps {
  config: Config;
  users: UserRepo;
  notifiers: Notifiers;
  log: Logger;
  /** Checks a JWT against a client's registered keys (login hint tokens). */
  verifyClientJwt: ClientJwtVerifier;
}

type NotifyInput = HookInputs['notifyEndUser'];

/** Where each channel reaches this user; null when the user has no such address. */
function recipient(channel: 'email' | 'sms' | 'webhook', user: UserView, config: Config): string | null {
  if (channel === 'email') return user.email;
  if (channel === 'sms') return user.phone_number;
  return config.cibaEndUserNotificationConfig.webhookUrl ?? null;
}

function endUserMessage(to: string, input: NotifyInput): EndUserMessage {
  const client: EndUserMessage['client'] = { id: input.client.id, name: input.client.name ?? input.client.id };
  if (input.client.logoUri) client.logoUri = input.client.logoUri;
  return {
    to,
    authReqId: input.authReqId,
    sub: input.user.sub,
    client,
    scopes: input.scopes,
    bindingMessage: input.bindingMessage,
    link: input.link,
    expiresAt: input.expiresAt,
  };
}

/** The one user a hint names by each of `backchannelLoginHintClaims` in turn; an ambiguous match is no match. */
async function userByHint(users: UserRepo, config: Config, value: string): Promise<string | null> {
  for (const claim of config.backchannelLoginHintClaims) {
    const found = (await users.findByClaim(claim, value, 2)).filter((u) => !u.disabled);
    if (found.length === 1 && found[0]) return found[0].sub;
    if (found.length > 1) break;
  }
  return null;
}

type Builtins = { [H in HookName]: (input: HookInputs[H], meta: HookMeta) => Promise<HookOutputs[H]> };

export function builtinHooks(deps: BuiltinDeps): Builtins {
  const { config, users, notifiers, verifyClientJwt } = deps;
  /** One message on one channel; a failure is recorded and logged, never thrown. */
  async function attempt(channel: Channel, to: string, input: NotifyInput, log: Logger): Promise<SentMessage> {
    const notifier = notifiers[channel];
    if (!notifier) return { channel, delivered: false, error: `invalid: the ${channel} channel is not configured` };
    const result = await notifier.send(endUserMessage(to, input), log);
    if (result.delivered) {
      return result.providerMessageId ? { channel, delivered: true, providerMessageId: result.providerMessageId } : { channel, delivered: true };
    }
    log.warn({ authReqId: input.authReqId, channel, error: result.error.code }, 'notification channel failed, trying the next');
    return { channel, delivered: false, error: `${result.error.code}: ${result.error.message}` };
  }

  return {
    async resolveLoginHint({ value }) {
      const sub = await userByHint(users, config, value);
      return sub ? { sub } : { error: 'unknown_user_id', error_description: 'no user matches the login_hint' };
    },

    /**
     * A JWT signed with the requesting client's registered keys, whose `loginHintTokenUserClaim`
     * (default `sub`) names the user the way a login_hint would.
     */
    async processLoginHintToken({ token, client }) {
      const verified = await verifyClientJwt(token, client.id);
      if (!verified.valid) {
        return verified.reason === 'expired'
          ? { error: 'expired_login_hint_token', error_description: 'the login_hint_token has expired' }
          : { error: 'invalid_request', error_description: `login_hint_token: ${verified.message}` };
      }
      const value = verified.claims[config.loginHintTokenUserClaim];
      if (typeof value !== 'string') {
        return { error: 'invalid_request', error_description: `login_hint_token has no ${config.loginHintTokenUserClaim} claim naming the user` };
      }
      const sub = await userByHint(users, config, value);
      return sub ? { sub } : { error: 'unknown_user_id', error_description: 'no user matches the login_hint_token' };
    },

    async validateUserCode({ user, code }) {
      const record = await users.get(user.sub);
      const ok = record?.userCodeHash ? await verifySecret(code, record.userCodeHash) : false;
      return ok ? { ok: true } : { error: 'invalid_user_code', error_description: 'the user_code is not valid' };
    },

    /** The configured pattern is enforced before any hook; the built-in adds nothing. */
    async validateBindingMessage() {
      return { ok: true };
    },

    /**
     * Registered devices first: every one is the user's own authenticator app, so each is sent
     * the request. When none delivered (or there are none), tries
     * `cibaEndUserNotificationConfig.channels` in order and stops at the first delivery.
     * `log` (devMode only, config refuses it elsewhere) writes the link to the log so a
     * developer can open it.
     */
    async notifyEndUser(input, meta) {
      const log = requestLogger(deps.log, meta.requestId);
      const sent: SentMessage[] = [];
      for (const device of input.devices) sent.push(await attempt(device.channel, device.address, input, log));
      if (sent.some((m) => m.delivered)) return { sent };
      for (const channel of config.cibaEndUserNotificationConfig.channels) {
        if (channel === 'log') {
          log.info({ authReqId: input.authReqId, sub: input.user.sub, bindingMessage: input.bindingMessage, verificationLink: input.link }, 'dev notifier: open this link to decide');
          sent.push({ channel, delivered: true });
          break;
        }
        const to = recipient(channel, input.user, config);
        if (!to || !notifiers[channel]) continue;
        const result = await attempt(channel, to, input, log);
        sent.push(result);
        if (result.delivered) break;
      }
      return { sent };
    },
  };
}

/** Runs the built-ins; the script registry (core/sandbox) wraps this with active scripts. */
export class BuiltinHookRunner {
  private readonly hooks: Builtins;
  constructor(deps: BuiltinDeps) {
    this.hooks = builtinHooks(deps);
  }
  run<H extends HookName>(hook: H, input: HookInputs[H], meta: HookMeta): Promise<HookOutputs[H]> {
    return (this.hooks[hook] as (i: HookInputs[H], m: HookMeta) => Promise<HookOutputs[H]>)(input, meta);
  }
}
