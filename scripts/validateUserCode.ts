/**
 * Bundled default for the validateUserCode hook: the code must equal the user code stored
 * (hashed) for the user. Replace it to check codes against your own system, e.g. with
 * api.http.post to an allow-listed service.
 */
import type { ValidateUserCode } from 'ciba-op/script';

export const validateUserCode: ValidateUserCode = async (ctx, api) =>
  (await api.users.checkUserCode(ctx.user.sub, ctx.code))
    ? { ok: true }
    : { error: 'invalid_user_code', error_description: 'the user_code is not valid' };
