/** The steps of a poll flow, one call each, for tests whose subject is something else. */
import { expect } from 'vitest';
import { CIBA } from '../integration/clients.js';
import { decideViaLink, postForm } from './op.js';

/** bc-authorize at the OP at `url` with `params` (a hint at least); the auth_req_id. */
export async function authorize(url: string, auth: Record<string, string>, params: Record<string, string>): Promise<string> {
  const ack = await postForm(`${url}/bc-authorize`, { scope: 'openid', ...params }, auth);
  expect(ack.status, JSON.stringify(ack.body)).toBe(200);
  return ack.body.auth_req_id as string;
}

/** The end-user approves through the verification link. */
export async function approve(link: string): Promise<void> {
  expect((await decideViaLink(link, 'approve')).status).toBe(200);
}

export function poll(url: string, auth: Record<string, string>, authReqId: string) {
  return postForm(`${url}/token`, { grant_type: CIBA, auth_req_id: authReqId }, auth);
}
