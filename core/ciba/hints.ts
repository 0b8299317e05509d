/**
 * The one hint of an authentication request, resolved to a user (CIBA §7.1): a `login_hint`
 * through the resolveLoginHint hook, a `login_hint_token` through the processLoginHintToken hook,
 * an `id_token_hint` by the OP itself (core/oauth/id-token-hint.ts). Whatever the route, the
 * user must exist and be enabled, or the answer is `unknown_user_id`.
 */
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import type { ClientRecord, UserRecord } from '../store/ports.js';
import { clientView } from '../hooks/views.js';
import type { HintKind, HookMeta } from '../hooks/types.js';
import { userOfIdTokenHint } from '../oauth/id-token-hint.js';

interface HintContext {
  client: ClientRecord;
  scopes: string[];
  acrValues: string[];
  meta: HookMeta;
}

type Resolver = (op: OpContext, value: string, context: HintContext) => Promise<string | null>;

function refused(outcome: { error: 'unknown_user_id' | 'expired_login_hint_token' | 'invalid_request'; error_description?: string }): never {
  throw oauthError(outcome.error, outcome.error_description ?? 'the hint does not identify a user');
}

const RESOLVERS: Record<HintKind, Resolver> = {
  async login_hint(op, value, { client, scopes, acrValues, meta }) {
    const outcome = await op.hooks.run('resolveLoginHint', { kind: 'login_hint', value, client: clientView(client), scopes, acrValues }, meta);
    return 'error' in outcome ? refused(outcome) : outcome.sub;
  },
  async login_hint_token(op, token, { client, meta }) {
    const outcome = await op.hooks.run('processLoginHintToken', { token, client: clientView(client) }, meta);
    return 'error' in outcome ? refused(outcome) : outcome.sub;
  },
  id_token_hint: (op, token, { client }) => userOfIdTokenHint(op, client, token),
};

export async function resolveHint(op: OpContext, hint: { kind: HintKind; value: string }, context: HintContext): Promise<UserRecord> {
  const sub = await RESOLVERS[hint.kind](op, hint.value, context);
  const user = sub === null ? null : await op.store.users.get(sub);
  if (!user || user.disabled) throw oauthError('unknown_user_id', 'the hint does not identify a known user');
  return user;
}
