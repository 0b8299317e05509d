/** The CIBA grant at /token: every answer CIBA §10–§11 names, and exactly-once issuance. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, decideViaLink, postForm, startOp, type TestOp } from '../support/op.js';
import { CIBA, TEST_CLIENTS } from './clients.js';

describe('POST /token with the CIBA grant', () => {
  let t: TestOp;
  let clock = Date.now();
  const auth = basic('poll', 'poll-secret');

  beforeAll(async () => {
    t = await startOp({ config: { clients: TEST_CLIENTS }, now: () => clock });
    await t.createUser({ sub: 'carol' });
  });
  afterAll(() => t.close());

  async function authorize(extra: Record<string, string> = {}, headers = auth): Promise<string> {
    const res = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'carol', ...extra }, headers);
    expect(res.status).toBe(200);
    return res.body.auth_req_id as string;
  }
  const poll = (id: string | undefined, headers = auth, extra: Record<string, string> = {}) =>
    postForm(`${t.url}/token`, { grant_type: CIBA, ...(id ? { auth_req_id: id } : {}), ...extra }, headers);

  it('answers authorization_pending at once, even on the very first poll', async () => {
    const res = await poll(await authorize());
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'authorization_pending' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers slow_down to a poll inside the interval, and the interval grows by 5 s', async () => {
    const id = await authorize();
    expect((await poll(id)).body.error).toBe('authorization_pending');
    expect((await poll(id)).body.error).toBe('slow_down');
    clock += 2_000; // past the original 1 s interval, inside the grown 6 s one
    expect((await poll(id)).body.error).toBe('slow_down');
    clock += 12_000;
    expect((await poll(id)).body.error).toBe('authorization_pending');
  });

  it('answers expired_token after expiry, not invalid_grant', async () => {
    const id = await authorize({ requested_expiry: '5' });
    clock += 6_000;
    expect((await poll(id)).body.error).toBe('expired_token');
  });

  it('answers access_denied after denial', async () => {
    const id = await authorize();
    await decideViaLink(await t.linkFor(id), 'deny');
    expect((await poll(id)).body.error).toBe('access_denied');
  });

  it('answers invalid_grant for an unknown id and for another client’s id, whatever its state', async () => {
    expect((await poll('no-such-id')).body.error).toBe('invalid_grant');
    const id = await authorize();
    await decideViaLink(await t.linkFor(id), 'approve');
    const other = await poll(id, basic('other', 'other-secret'));
    expect(other.body.error).toBe('invalid_grant');
    expect((await poll(id)).status).toBe(200);
  });

  it('answers invalid_request without auth_req_id', async () => {
    expect((await poll(undefined)).body.error).toBe('invalid_request');
  });

  it('answers unauthorized_client to a client without the CIBA grant', async () => {
    const res = await poll('whatever', basic('refresh-only', 'refresh-secret'));
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('answers unsupported_grant_type and invalid_client as RFC 6749 says', async () => {
    expect((await postForm(`${t.url}/token`, { grant_type: 'password' }, auth)).body.error).toBe('unsupported_grant_type');
    const res = await poll('x', basic('poll', 'nope'));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('issues tokens exactly once when 50 polls race, then answers invalid_grant', async () => {
    const id = await authorize();
    await decideViaLink(await t.linkFor(id), 'approve');
    const results = await Promise.all(Array.from({ length: 50 }, () => poll(id)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]?.headers.get('cache-control')).toBe('no-store');
    expect(ok[0]?.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid' });
    expect(ok[0]?.body.refresh_token).toBeUndefined();
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error).toBe('invalid_grant');
    expect((await poll(id)).body.error).toBe('invalid_grant');
  });

  it('answers access_denied with a reason when the end-user could not be reached', async () => {
    const quiet = await startOp({ config: { clients: TEST_CLIENTS, cibaEndUserNotificationConfig: { channels: [] } } });
    try {
      await quiet.createUser({ sub: 'carol' });
      const ack = await postForm(`${quiet.url}/bc-authorize`, { scope: 'openid', login_hint: 'carol' }, auth);
      let res;
      for (let i = 0; i < 50; i += 1) {
        res = await postForm(`${quiet.url}/token`, { grant_type: CIBA, auth_req_id: ack.body.auth_req_id as string }, auth);
        if (res.body.error !== 'authorization_pending' && res.body.error !== 'slow_down') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(res?.body).toMatchObject({ error: 'access_denied', error_description: 'the end-user could not be reached' });
    } finally {
      await quiet.close();
    }
  });
});

describe('POST /token with the refresh_token grant', () => {
  let t: TestOp;
  const auth = basic('poll', 'poll-secret');

  beforeAll(async () => {
    t = await startOp({ config: { clients: TEST_CLIENTS } });
    await t.createUser({ sub: 'dave' });
  });
  afterAll(() => t.close());

  async function tokens(): Promise<Record<string, unknown>> {
    const ack = await postForm(`${t.url}/bc-authorize`, { scope: 'openid offline_access', login_hint: 'dave' }, auth);
    const id = ack.body.auth_req_id as string;
    await decideViaLink(await t.linkFor(id), 'approve');
    return (await postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: id }, auth)).body;
  }
  const refresh = (token: string, headers = auth) => postForm(`${t.url}/token`, { grant_type: 'refresh_token', refresh_token: token }, headers);

  it('rotates: the new refresh token works, the old one is refused and its reuse revokes the grant', async () => {
    const first = await tokens();
    const second = await refresh(first.refresh_token as string);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect((await refresh(first.refresh_token as string)).body.error).toBe('invalid_grant');
    expect((await refresh(second.body.refresh_token as string)).body.error).toBe('invalid_grant');
  });

  it('refuses another client’s refresh token with invalid_grant and leaves it usable', async () => {
    const first = await tokens();
    const stolen = await refresh(first.refresh_token as string, basic('other', 'other-secret'));
    expect(stolen.body.error).toBe('unauthorized_client');
    const viaRefreshClient = await refresh(first.refresh_token as string, basic('refresh-only', 'refresh-secret'));
    expect(viaRefreshClient.body.error).toBe('invalid_grant');
    expect((await refresh(first.refresh_token as string)).status).toBe(200);
  });
});
