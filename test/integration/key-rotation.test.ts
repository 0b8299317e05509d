/**
 * Key rotation through the admin API: tokens signed before it still verify against the JWKS,
 * new tokens carry the new kid, and the retired key leaves the JWKS once its configured time
 * is up and the keys are re-read (what every process does every keys.refreshIntervalSec).
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin.js';
import { approve, authorize, poll } from '../support/ciba-steps.js';
import { basic, startOp, type TestOp } from '../support/op.js';
import { TEST_CLIENTS } from './clients.js';

const ADMIN = 'k'.repeat(40);
const PUBLISH_RETIRED_SEC = 600;

describe('signing key rotation', () => {
  let t: TestOp;
  let clock = Date.now();
  const auth = basic('poll', 'poll-secret');

  const jwks = async () => (await (await fetch(`${t.url}/jwks`)).json()) as JSONWebKeySet;
  const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid as string;
  const verify = async (jwt: string) => jwtVerify(jwt, createLocalJWKSet(await jwks()), { issuer: t.url, currentDate: new Date(clock) });

  async function tokens(): Promise<Record<string, unknown>> {
    const id = await authorize(t.url, auth, { login_hint: 'rita' });
    await approve(await t.linkFor(id));
    const res = await poll(t.url, auth, id);
    expect(res.status).toBe(200);
    return res.body;
  }

  beforeAll(async () => {
    t = await startOp({
      config: { clients: TEST_CLIENTS, adminToken: ADMIN, keys: { retiredKeyPublishSec: PUBLISH_RETIRED_SEC } },
      now: () => clock,
    });
    await t.createUser({ sub: 'rita' });
  });
  afterAll(() => t.close());

  it('keeps old tokens verifiable, signs new ones with the new key, and retires the old key on time', async () => {
    const before = await tokens();
    const oldKid = kidOf(before.id_token as string);
    await verify(before.id_token as string);

    const rotation = await adminCall(t.url, ADMIN, 'POST', '/admin/keys/rotate', {});
    expect(rotation.status).toBe(200);
    const rs256 = (rotation.body.rotated as Array<{ alg: string; kid: string; retired: Array<{ kid: string; retireAt: number }> }>).find((r) => r.alg === 'RS256');
    expect(rs256?.retired).toEqual([{ kid: oldKid, retireAt: clock + PUBLISH_RETIRED_SEC * 1000 }]);
    expect(rotation.body.rotated).toHaveLength(3);

    const published = (await jwks()).keys.map((k) => k.kid);
    expect(published).toHaveLength(6);
    expect(published).toEqual(expect.arrayContaining([oldKid, rs256?.kid]));
    const { payload } = await verify(before.id_token as string);
    expect(payload.sub).toBe('rita');

    const after = await tokens();
    expect(kidOf(after.id_token as string)).toBe(rs256?.kid);
    await verify(after.id_token as string);

    // Just before the retirement time the old key is still there; just after, gone.
    clock += PUBLISH_RETIRED_SEC * 1000 - 1;
    await t.op.context.keys.refresh(clock);
    expect((await jwks()).keys.map((k) => k.kid)).toContain(oldKid);
    clock += 2;
    await t.op.context.keys.refresh(clock);
    const remaining = (await jwks()).keys.map((k) => k.kid);
    expect(remaining).toHaveLength(3);
    expect(remaining).not.toContain(oldKid);
    await expect(verify(before.id_token as string)).rejects.toThrow();
    await verify(after.id_token as string);
  });
});
