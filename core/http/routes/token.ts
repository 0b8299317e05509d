/** The token endpoint: authenticate the client once, then hand over to the grant asked for. */
import type { FastifyInstance } from 'fastify';
import { oauthError } from '../../errors.js';
import type { Logger, OpContext } from '../../context.js';
import type { ClientRecord } from '../../store/ports.js';
import { PATHS } from '../../oauth/discovery.js';
import { authenticateClient } from '../../oauth/client-auth.js';
import { CIBA_GRANT, REFRESH_GRANT } from '../../oauth/client-metadata.js';
import { refreshGrant } from '../../oauth/refresh-grant.js';
import type { TokenResponse } from '../../oauth/tokens.js';
import { cibaGrant } from '../../ciba/grant.js';
import { FormParams } from '../form.js';

/** `log`: the request's logger, so the lines a grant writes name the request. */
type GrantHandler = (op: OpContext, client: ClientRecord, params: FormParams, log: Logger) => Promise<TokenResponse>;

const GRANTS: Record<string, GrantHandler> = {
  [CIBA_GRANT]: cibaGrant,
  [REFRESH_GRANT]: refreshGrant,
};

export async function tokenRoutes(app: FastifyInstance): Promise<void> {
  const op = app.op;
  app.post(PATHS.token, async (request) => {
    const params = FormParams.from(request.body);
    const client = await authenticateClient(op, request.headers.authorization, params);
    const grantType = params.get('grant_type');
    if (grantType === undefined) throw oauthError('invalid_request', 'grant_type is required');
    const handler = op.config.grantTypesSupported.includes(grantType) ? GRANTS[grantType] : undefined;
    if (!handler) throw oauthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
    return handler(op, client, params, request.log);
  });
}
