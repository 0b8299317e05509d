/**
 * Push mode (CIBA §10.3) against real HTTPS receivers on 127.0.0.1: the token response plus
 * auth_req_id, its ID token verified with a standards library and its hashes computed here; the
 * tokens minted once and sealed for redelivery; the error payloads; no interval and no token
 * endpoint for push clients.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, decideViaLink, postForm } from '../support/op.js';
import { USER, callbackClient, startCallbackOp, startReceiver, waitFor, type CallbackOp, type Receiver } from '../support/callbacks.js';
import { CIBA } from './clients.js';

/** OIDC Core §3.1.3.6, written out here rather than imported from the OP. */
function leftHalfSha256(value: string): string {
  return createHash('sha256').update(value, 'ascii').digest().subarray(0, 16).toString('base64url');
}

describe('push mode', () => {
  let t: CallbackOp;
  let receiver: Receiver;
  let flaky: Receiver;
  let rejecting: Receiver;

  beforeAll(async () => {
    [receiver, flaky, rejecting] = await Promise.all([startReceiver(), startReceiver((n) => (n === 0 ? 503 : 204)), startReceiver(() => 400)]);
    t = await startCallbackOp(
      [
        callbackClient('pusher', 'push', receiver.endpoint),
        callbackClient('flaky', 'push', flaky.endpoint),
        callbackClient('rejecting', 'push', rejecting.endpoint),
      ],
      { backchannelRequestsProcessorJobIntervalSec: 1 },
    );
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([receiver.close(), flaky.close(), rejecting.close()]);
  });

  const approved = async (client: Parameters<CallbackOp['authorize']>[0], token: string) => {
    const id = (await t.authorize(client, token)).auth_req_id as string;
    await decideViaLink(await t.linkFor(id), 'approve');
    return id;
  };
  const bodiesFor = (r: Receiver, id: string) => r.bodies().filter((b) => b.auth_req_id === id);
  const entry = (id: string) => t.op.context.store.outbox.get(id);
  const userinfo = (accessToken: unknown) => fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${String(accessToken)}` } });

  it('pushes the token response with auth_req_id; the ID token verifies and carries correct at_hash and rt_hash', async () => {
    const ack = await t.authorize('pusher', 'push-token-1');
    expect(Object.keys(ack).sort()).toEqual(['auth_req_id', 'expires_in']);
    const id = ack.auth_req_id as string;
    await decideViaLink(await t.linkFor(id), 'approve');
    await waitFor(() => bodiesFor(receiver, id).length === 1, 'the push');

    const request = receiver.requests.find((r) => r.body.includes(id));
    expect(request?.headers.authorization).toBe('Bearer push-token-1');
    expect(request?.headers['content-type']).toBe('application/json');
    const body = bodiesFor(receiver, id)[0] as Record<string, string>;
    expect(body).toMatchObject({ auth_req_id: id, token_type: 'Bearer', expires_in: 3600, scope: 'openid email offline_access' });
    expect(Object.keys(body).sort()).toEqual(['access_token', 'auth_req_id', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);

    const { payload } = await jwtVerify(body.id_token as string, createRemoteJWKSet(new URL(`${t.url}/jwks`)), {
      issuer: t.url,
      audience: 'pusher',
    });
    expect(payload.sub).toBe(USER);
    expect(payload['urn:openid:params:jwt:claim:auth_req_id']).toBe(id);
    expect(payload.at_hash).toBe(leftHalfSha256(body.access_token as string));
    expect(payload['urn:openid:params:jwt:claim:rt_hash']).toBe(leftHalfSha256(body.refresh_token as string));

    expect(await (await userinfo(body.access_token)).json()).toMatchObject({ sub: USER, email: `${USER}@example.com` });
    expect(await t.op.context.store.authRequests.get(id)).toMatchObject({ state: 'issued' });
  });

  it('answers a push client at the token endpoint with unauthorized_client', async () => {
    const id = (await t.authorize('pusher', 'push-token-2')).auth_req_id as string;
    const res = await postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: id }, basic('pusher', 'pusher-secret'));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('pushes access_denied on denial', async () => {
    const id = (await t.authorize('pusher', 'push-token-3')).auth_req_id as string;
    await decideViaLink(await t.linkFor(id), 'deny');
    await waitFor(() => bodiesFor(receiver, id).length === 1, 'the push');
    expect(bodiesFor(receiver, id)[0]).toEqual({ error: 'access_denied', error_description: 'the end-user denied the request', auth_req_id: id });
  });

  it('pushes expired_token on expiry', async () => {
    const id = (await t.authorize('pusher', 'push-token-4', { requested_expiry: '5' })).auth_req_id as string;
    t.advance(6_000);
    await waitFor(() => bodiesFor(receiver, id).length === 1, 'the push after expiry', 4000);
    expect(bodiesFor(receiver, id)[0]).toMatchObject({ error: 'expired_token', auth_req_id: id });
  });

  it('mints once: a retry sends the very tokens of the first attempt', async () => {
    const id = await approved('flaky', 'push-token-5');
    await waitFor(async () => (await entry(id)) === null, 'the retried push');
    const [first, second] = bodiesFor(flaky, id);
    expect(first?.access_token).toBeTypeOf('string');
    expect(second).toEqual(first);
    // Delivered: the entry, and with it the sealed copy, is gone; the tokens are valid.
    expect((await userinfo(first?.access_token)).status).toBe(200);
  });

  it('keeps the minted tokens sealed, never in the clear, while they wait for a retry', async () => {
    const down = await startReceiver(() => 503);
    const id = await approved(await t.register('push', down.endpoint), 'push-token-6');
    await waitFor(() => down.requests.length >= 1, 'the first attempt');
    const accessToken = (JSON.parse(down.requests[0]?.body as string) as Record<string, string>).access_token as string;
    const waiting = await entry(id);
    expect(waiting?.sealedPayload?.split('.')).toHaveLength(5);
    expect(JSON.stringify(waiting)).not.toContain(accessToken);
    await down.close();
  });

  it('revokes pushed tokens the client refused (a final 4xx), so undelivered tokens never stay valid', async () => {
    const id = await approved('rejecting', 'push-token-7');
    await waitFor(async () => (await entry(id))?.status === 'dead', 'the dead letter');
    expect(bodiesFor(rejecting, id)).toHaveLength(1);
    expect((await userinfo(bodiesFor(rejecting, id)[0]?.access_token)).status).toBe(401);
  });
});
