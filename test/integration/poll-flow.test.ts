/**
 * The whole poll flow driven by a standards RP library (openid-client), against the real OP on
 * loopback: discovery → bc-authorize → the end-user approves through the logged verification
 * link → token → userinfo → refresh with rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { createHash } from 'node:crypto';
import { DEMO_CLIENT } from '../../core/dev-seed.js';
import { decideViaLink, openLink, startOp, type TestOp } from '../support/op.js';

function halfHash(value: string): string {
  return createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
}

describe('poll flow with openid-client', () => {
  let t: TestOp;
  let rp: oidc.Configuration;

  beforeAll(async () => {
    t = await startOp();
    await t.createUser({ sub: 'alice', username: 'alice', email: 'alice@example.com', claims: { name: 'Alice' } });
    rp = await oidc.discovery(new URL(t.url), DEMO_CLIENT.client_id, {}, oidc.ClientSecretBasic(DEMO_CLIENT.client_secret), {
      execute: [oidc.allowInsecureRequests],
    });
  });
  afterAll(() => t.close());

  it('issues verifiable tokens once the end-user approves', async () => {
    const ack = await oidc.initiateBackchannelAuthentication(rp, {
      scope: 'openid email offline_access',
      login_hint: 'alice@example.com',
      binding_message: 'W4SCT',
    });
    expect(ack.auth_req_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ack.expires_in).toBe(600);
    expect(ack.interval).toBe(1);

    const link = await t.linkFor(ack.auth_req_id);
    const page = (await openLink(link)).html;
    expect(page).toContain('W4SCT');
    expect(page).toContain('Demo RP');
    const decision = await decideViaLink(link, 'approve');
    expect(decision.status).toBe(200);
    expect(decision.html).toContain('You approved the request');

    const tokens = await oidc.pollBackchannelAuthenticationGrant(rp, ack);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.refresh_token).toBeTypeOf('string');

    const jwks = createRemoteJWKSet(new URL('/jwks', t.url));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token as string, jwks, {
      issuer: t.url,
      audience: DEMO_CLIENT.client_id,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(protectedHeader.kid).toBeTypeOf('string');
    expect(payload.sub).toBe('alice');
    expect(payload.acr).toBe('urn:ciba-op:acr:link');
    expect(payload.amr).toEqual(['otp']);
    expect(payload.auth_time).toBeTypeOf('number');
    expect(payload.nonce).toBeUndefined();
    expect(payload['urn:openid:params:jwt:claim:auth_req_id']).toBe(ack.auth_req_id);
    expect(payload.at_hash).toBe(halfHash(tokens.access_token));
    expect(payload['urn:openid:params:jwt:claim:rt_hash']).toBe(halfHash(tokens.refresh_token as string));

    const info = await oidc.fetchUserInfo(rp, tokens.access_token, 'alice');
    expect(info).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
    expect(info.name).toBeUndefined();

    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token as string);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(decodeProtectedHeader(refreshed.id_token as string).kid).toBe(protectedHeader.kid);
  });

  it('reports denial to the polling client as access_denied', async () => {
    const ack = await oidc.initiateBackchannelAuthentication(rp, { scope: 'openid', login_hint: 'alice' });
    await decideViaLink(await t.linkFor(ack.auth_req_id), 'deny');
    await expect(oidc.pollBackchannelAuthenticationGrant(rp, ack)).rejects.toMatchObject({ error: 'access_denied' });
  });
});
