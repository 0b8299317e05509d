/**
 * Bundled default for the processLoginHintToken hook: what the OP does with no script active.
 * The token must be a JWT signed with the requesting client's registered keys; an expired one
 * is `expired_login_hint_token`, any other failure `invalid_request`. Its USER_CLAIM (the default
 * of `loginHintTokenUserClaim`) names the user the way a login_hint does: looked up by each
 * claim in HINT_CLAIMS in turn, an ambiguous match being no match.
 *
 * Replace it to accept tokens someone else signs (an identity provider's), or other formats.
 */
import type { ProcessLoginHintToken } from 'ciba-op/script';

const USER_CLAIM = 'sub';
const HINT_CLAIMS = ['sub', 'username', 'email', 'phone_number'];

export const processLoginHintToken: ProcessLoginHintToken = async (ctx, api) => {
  const verified = await api.jwt.verifyWithClientKeys(ctx.token, ctx.client.id);
  if (!verified.valid) {
    if (verified.reason === 'expired') return { error: 'expired_login_hint_token', error_description: 'the login_hint_token has expired' };
    return { error: 'invalid_request', error_description: `login_hint_token: ${verified.message}` };
  }
  const value = verified.claims[USER_CLAIM];
  if (typeof value !== 'string') return { error: 'invalid_request', error_description: `login_hint_token has no ${USER_CLAIM} claim naming the user` };
  for (const claim of HINT_CLAIMS) {
    const found = await api.users.find(claim, value);
    if (found.length > 1) break;
    if (found[0]) return { sub: found[0].sub };
  }
  return { error: 'unknown_user_id', error_description: 'no user matches the login_hint_token' };
};
