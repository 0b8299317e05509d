/**
 * The CIBA grant at the token endpoint (CIBA §10.1, §11). Ownership is checked before state,
 * so another client's auth_req_id is indistinguishable from an unknown one; tokens are issued
 * by the one conditional `approved → issued` transition, so however many polls race, exactly
 * one gets them.
 */
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import type { FormParams } from '../http/form.js';
import type { AuthRequestRecord, ClientRecord } from '../store/ports.js';
import { CIBA_GRANT } from '../oauth/client-metadata.js';
import { mintTokens, type Grant, type TokenResponse } from '../oauth/tokens.js';
import { randomToken } from '../oauth/secrets.js';

/** CIBA §11: after slow_down the interval grows by at least 5 seconds. */
export const SLOW_DOWN_STEP_SEC = 5;

/** What an approved request grants; all tokens minted for it share `grantId`. */
export function grantOf(record: AuthRequestRecord, grantId: string): Grant {
  return {
    grantId,
    clientId: record.clientId,
    sub: record.sub,
    scope: record.scope,
    authReqId: record.id,
    acr: record.acr,
    amr: record.amr,
    authTime: record.authTime,
  };
}

export async function cibaGrant(op: OpContext, client: ClientRecord, params: FormParams): Promise<TokenResponse> {
  if (!op.config.cibaEnabled || !client.metadata.grant_types.includes(CIBA_GRANT)) {
    throw oauthError('unauthorized_client', 'the client is not registered for the CIBA grant');
  }
  if (client.metadata.backchannel_token_delivery_mode === 'push') {
    throw oauthError('unauthorized_client', 'push mode clients receive tokens at their notification endpoint');
  }
  const id = params.get('auth_req_id');
  if (id === undefined) throw oauthError('invalid_request', 'auth_req_id is required');

  const now = op.now();
  const record = await op.store.authRequests.get(id);
  if (!record || record.clientId !== client.clientId) throw oauthError('invalid_grant', 'auth_req_id is unknown');

  const expired = record.expiresAt <= now;
  switch (record.state) {
    case 'pending': {
      if (expired) throw oauthError('expired_token', 'the authentication request has expired');
      const poll = await op.store.authRequests.registerPoll(id, now, SLOW_DOWN_STEP_SEC);
      if (poll?.slowDown) {
        throw oauthError('slow_down', `polling too fast: wait at least ${poll.record.interval} seconds between requests`);
      }
      throw oauthError('authorization_pending', 'the end-user has not yet decided');
    }
    case 'expired':
      throw oauthError('expired_token', 'the authentication request has expired');
    case 'denied':
      throw oauthError('access_denied', record.reason ?? 'the end-user denied the request');
    case 'failed':
      throw oauthError('access_denied', record.reason ?? 'the authentication request failed');
    case 'issued':
      throw oauthError('invalid_grant', 'auth_req_id has already been redeemed');
    case 'approved': {
      if (expired) throw oauthError('expired_token', 'the authentication request has expired');
      const issued = await op.store.authRequests.transition(id, ['approved'], 'issued');
      if (!issued) throw oauthError('invalid_grant', 'auth_req_id has already been redeemed');
      return mintTokens(op, client, grantOf(issued, randomToken(16)));
    }
  }
}
