/**
 * The built-in behaviour of every hook: what runs while no script is active for it.
 * scripts/ holds the same logic as TypeScript for deployers to start from.
 */
import type { Config } from '../config/types.js';
import type { UserRepo } from '../store/ports.js';
import { verifySecret } from '../users/password.js';
import type { HookInputs, HookName, HookOutputs } from './types.js';

export interface BuiltinDeps {
  config: Config;
  users: UserRepo;
  log: { info(obj: object, msg: string): void };
}

type Builtins = { [H in HookName]: (input: HookInputs[H]) => Promise<HookOutputs[H]> };

export function builtinHooks({ config, users, log }: BuiltinDeps): Builtins {
  return {
    /** Looks the hint up by each of `backchannelLoginHintClaims` in turn; ambiguity is no match. */
    async resolveLoginHint({ kind, value }) {
      if (kind !== 'login_hint') {
        return { error: 'invalid_request', error_description: `${kind} is not supported by this OP yet` };
      }
      for (const claim of config.backchannelLoginHintClaims) {
        const found = (await users.findByClaim(claim, value, 2)).filter((u) => !u.disabled);
        if (found.length === 1 && found[0]) return { sub: found[0].sub };
        if (found.length > 1) break;
      }
      return { error: 'unknown_user_id', error_description: 'no user matches the login_hint' };
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
     * Development channel only (config refuses it outside devMode): the verification link goes
     * to the log so a developer can open it. The bundled notifiers replace this.
     */
    async notifyEndUser({ authReqId, user, link, bindingMessage }) {
      if (!config.cibaEndUserNotificationConfig.channels.includes('log')) return { sent: [] };
      log.info({ authReqId, sub: user.sub, bindingMessage, verificationLink: link }, 'dev notifier: open this link to decide');
      return { sent: [{ channel: 'log', delivered: true }] };
    },
  };
}

/** Runs the built-ins; the script registry (core/sandbox) wraps this with active scripts. */
export class BuiltinHookRunner {
  private readonly hooks: Builtins;
  constructor(deps: BuiltinDeps) {
    this.hooks = builtinHooks(deps);
  }
  run<H extends HookName>(hook: H, input: HookInputs[H]): Promise<HookOutputs[H]> {
    return (this.hooks[hook] as (i: HookInputs[H]) => Promise<HookOutputs[H]>)(input);
  }
}
