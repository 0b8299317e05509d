/** Shared steps of the end-user tests: start a request as the RP, poll for its outcome. */
import { postForm, type TestOp } from './op.js';

export const CIBA = 'urn:openid:params:grant-type:ciba';
export const ACR_PASSWORD = 'urn:ciba-op:acr:password';
export const RP = { client_id: 'rp', client_secret: 'rp-secret', client_name: 'Acme Bank', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' };
export const RP_AUTH = { authorization: `Basic ${Buffer.from('rp:rp-secret').toString('base64')}` };

/** bc-authorize as the RP, then the link the dev notifier logged. */
export async function startRequest(t: TestOp, params: Record<string, string>): Promise<{ id: string; link: string; token: string }> {
  const ack = await postForm(`${t.url}/bc-authorize`, { scope: 'openid email', ...params }, RP_AUTH);
  if (ack.status !== 200) throw new Error(`bc-authorize answered ${ack.status} ${JSON.stringify(ack.body)}`);
  const id = ack.body.auth_req_id as string;
  const link = await t.linkFor(id);
  return { id, link, token: new URL(link).searchParams.get('token') as string };
}

export function pollToken(t: TestOp, authReqId: string) {
  return postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: authReqId }, RP_AUTH);
}

/** The claims of a JWT, unverified (the poll-flow test verifies signatures). */
export function claimsOf(jwt: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(jwt).split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}
