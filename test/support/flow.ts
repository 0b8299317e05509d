/** A whole poll flow in one call: backchannel request, the end-user approves, the first poll's tokens. */
import { decideViaLink, postForm, type TestOp } from './op.js';

const CIBA = 'urn:openid:params:grant-type:ciba';

/** How a client authenticates: headers (Basic), or form fields made afresh per request (a client assertion is single-use). */
export interface ClientCredentials {
  headers?: Record<string, string>;
  form?: (endpoint: string) => Promise<Record<string, string>>;
}

async function post(t: TestOp, path: string, form: Record<string, string>, auth: ClientCredentials) {
  const res = await postForm(`${t.url}${path}`, { ...form, ...(await auth.form?.(`${t.url}${path}`)) }, auth.headers);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function approvedTokens(t: TestOp, form: Record<string, string>, auth: ClientCredentials): Promise<Record<string, unknown>> {
  const ack = await post(t, '/bc-authorize', form, auth);
  const decision = await decideViaLink(await t.linkFor(ack.auth_req_id as string), 'approve');
  if (decision.status !== 200) throw new Error(`approval answered ${decision.status}`);
  return post(t, '/token', { grant_type: CIBA, auth_req_id: ack.auth_req_id as string }, auth);
}
