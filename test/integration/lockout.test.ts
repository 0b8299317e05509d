/**
 * Lockout: wrong passwords (page, app API, device registration) and wrong user codes
 * (bc-authorize) lock the user for the configured time everywhere, bc-authorize included; too
 * many failed sign-ins on one request deny it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, openLink, postForm, startOp, type TestOp } from '../support/op.js';
import { ACR_PASSWORD, CIBA, pollToken, RP, RP_AUTH, startRequest } from '../support/enduser.js';

const LOCKOUT = { maxFailuresPerUser: 3, maxFailuresPerRequest: 4, failureWindowSec: 300, lockoutSec: 600 };

describe('lockout', () => {
  let t: TestOp;
  let clock = Date.now();
  const coded = { client_id: 'coded', client_secret: 'coded-secret', grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', backchannel_user_code_parameter: true };

  beforeAll(async () => {
    t = await startOp({
      config: { clients: [RP, coded], enduser: { lockout: LOCKOUT }, backchannelAuthenticationResponseExpiresIn: 1800 },
      now: () => clock,
    });
    await t.createUser({ sub: 'kim', password: 'kim-password-1' });
    await t.createUser({ sub: 'lee', password: 'lee-password-1' });
    await t.createUser({ sub: 'max', password: 'max-password-1', userCode: '2468' });
  });
  afterAll(() => t.close());

  const decide = (token: string, body: Record<string, string>) =>
    fetch(`${t.url}/enduser/api/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', ...body }),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));

  it(`locks the user after ${LOCKOUT.maxFailuresPerUser} wrong passwords: page, API, device registration and bc-authorize refuse until the lock ends`, async () => {
    const { id, link, token } = await startRequest(t, { login_hint: 'kim', acr_values: ACR_PASSWORD });
    const wrong = { username: 'kim', password: 'guess' };
    expect((await decide(token, wrong)).body.error_description).toBe('the username or password is not correct');
    expect((await decide(token, wrong)).body.error_description).toBe('the username or password is not correct');
    expect((await decide(token, wrong)).body.error_description).toMatch(/locked/);

    const right = { username: 'kim', password: 'kim-password-1' };
    expect((await decide(token, right)).body.error_description).toMatch(/locked/);
    const page = await openLink(link);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1] as string;
    const onPage = await fetch(page.pageUrl, {
      method: 'POST',
      headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, decision: 'approve', ...right }),
    });
    expect(onPage.status).toBe(403);
    expect(await onPage.text()).toContain('Your account is locked; try again in 10 min.');
    const registration = await fetch(`${t.url}/bc-device-registration`, {
      method: 'POST',
      headers: { ...basic('kim', 'kim-password-1'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Phone', push_token: 'fcm-token-kim' }),
    });
    expect(registration.status).toBe(403);
    const refused = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'kim' }, RP_AUTH);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'access_denied', error_description: 'the end-user is temporarily locked after too many failed authentication attempts' });
    expect((await pollToken(t, id)).body.error).toBe('authorization_pending');

    clock += LOCKOUT.lockoutSec * 1000;
    expect((await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'kim' }, RP_AUTH)).status).toBe(200);
    expect(await decide(token, right)).toMatchObject({ status: 200, body: { state: 'approved' } });
    expect((await pollToken(t, id)).status).toBe(200);
  });

  it(`denies a request after ${LOCKOUT.maxFailuresPerRequest} failed sign-ins, whoever’s credentials they were`, async () => {
    const { id, token } = await startRequest(t, { login_hint: 'lee', acr_values: ACR_PASSWORD });
    const kim = { username: 'kim', password: 'kim-password-1' };
    for (let i = 1; i < LOCKOUT.maxFailuresPerRequest; i += 1) {
      expect((await decide(token, kim)).body.error_description).toMatch(/not those of the user/);
    }
    expect((await decide(token, kim)).body.error_description).toBe('too many failed sign-in attempts: the request was denied');
    expect((await decide(token, { username: 'lee', password: 'lee-password-1' })).status).toBe(401);
    expect((await pollToken(t, id)).body).toEqual({
      error: 'access_denied',
      error_description: 'too many failed sign-in attempts on the authentication device',
    });
  });

  it('counts wrong user codes at bc-authorize against the user, so codes cannot be guessed', async () => {
    const start = (code: string) => postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'max', user_code: code }, basic('coded', 'coded-secret'));
    for (const code of ['1111', '2222', '3333']) expect((await start(code)).body.error).toBe('invalid_user_code');
    const locked = await start('2468');
    expect(locked.status).toBe(403);
    expect(locked.body.error).toBe('access_denied');
    const { token } = await startRequest(t, { login_hint: 'lee' });
    expect(token).toBeTypeOf('string'); // other users are not affected
    clock += LOCKOUT.lockoutSec * 1000;
    expect((await start('2468')).status).toBe(200);
  });
});
