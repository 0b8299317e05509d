/**
 * Bundled default for the resolveLoginHint hook: what the OP does with no script active.
 * A login_hint is looked up by each claim in HINT_CLAIMS in turn (the default of
 * `backchannelLoginHintClaims`); the first claim that matches exactly one user wins, and an
 * ambiguous match is no match. Token hints never reach this hook.
 */
import type { ResolveLoginHint } from 'ciba-op/script';

const HINT_CLAIMS = ['sub', 'username', 'email', 'phone_number'];

export const resolveLoginHint: ResolveLoginHint = async (ctx, api) => {
  for (const claim of HINT_CLAIMS) {
    const found = await api.users.find(claim, ctx.value);
    if (found.length === 1 && found[0]) return { sub: found[0].sub };
    if (found.length > 1) break;
  }
  return { error: 'unknown_user_id', error_description: 'no user matches the login_hint' };
};
