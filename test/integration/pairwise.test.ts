/**
 * Pairwise subject identifiers: one per sector, stable, unlinkable across sectors, mapped back
 * for id_token_hint and consistent at UserInfo; sector_identifier_uri checked at registration
 * over real HTTP.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { approvedTokens } from '../support/flow.js';
import { jsonServer, type JsonServer } from '../support/json-server.js';
import { CIBA } from './clients.js';

describe('pairwise subject identifiers', () => {
  let t: TestOp;
  let rp: JsonServer;
  const subOf = async (clientId: string) =>
    decodeJwt((await approvedTokens(t, { scope: 'openid', login_hint: 'ivy' }, { headers: basic(clientId, `${clientId}-secret`) })).id_token as string).sub;

  beforeAll(async () => {
    rp = await jsonServer({ '/sector.json': ['https://a.example/one', 'https://a.example/two'], '/not-a-list.json': { uris: [] } });
    const client = (clientId: string, extra: Record<string, unknown>) => ({
      client_id: clientId,
      client_secret: `${clientId}-secret`,
      grant_types: [CIBA],
      backchannel_token_delivery_mode: 'poll',
      ...extra,
    });
    t = await startOp({
      config: {
        outbound: { allowPrivateHosts: [rp.host] },
        clients: [
          client('a1', { subject_type: 'pairwise', sector_identifier_uri: rp.url('/sector.json') }),
          client('a2', { subject_type: 'pairwise', sector_identifier_uri: rp.url('/sector.json') }),
          client('b1', { subject_type: 'pairwise', jwks_uri: 'https://b.example/jwks' }),
          client('pub', {}),
        ],
      },
    });
    await t.createUser({ sub: 'ivy', email: 'ivy@example.com' });
  });
  afterAll(async () => {
    await t.close();
    await rp.close();
  });

  it('gives clients of one sector the same sub, other sectors another, and keeps them stable', async () => {
    const [a1, a2, b1, pub] = [await subOf('a1'), await subOf('a2'), await subOf('b1'), await subOf('pub')];
    expect(pub).toBe('ivy');
    expect(a1).toBe(a2);
    expect(a1).not.toBe(b1);
    expect(a1).not.toBe('ivy');
    expect(b1).not.toBe('ivy');
    expect(a1).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await subOf('a1')).toBe(a1);
  });

  it('answers UserInfo with the sub the ID token carried', async () => {
    const tokens = await approvedTokens(t, { scope: 'openid email', login_hint: 'ivy' }, { headers: basic('b1', 'b1-secret') });
    const info = await fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token as string}` } });
    expect(((await info.json()) as { sub: string }).sub).toBe(decodeJwt(tokens.id_token as string).sub);
  });

  it('maps a pairwise sub in an id_token_hint back to the user', async () => {
    const tokens = await approvedTokens(t, { scope: 'openid', login_hint: 'ivy' }, { headers: basic('a1', 'a1-secret') });
    const res = await postForm(`${t.url}/bc-authorize`, { scope: 'openid', id_token_hint: tokens.id_token as string }, basic('a1', 'a1-secret'));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  describe('registration', () => {
    const register = async (body: Record<string, unknown>) => {
      const res = await fetch(`${t.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', subject_type: 'pairwise', ...body }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it('fetches the sector_identifier_uri and accepts a JSON array of URIs', async () => {
      const hits = rp.hits('/sector.json');
      const res = await register({ sector_identifier_uri: rp.url('/sector.json') });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ subject_type: 'pairwise', sector_identifier_uri: rp.url('/sector.json') });
      expect(rp.hits('/sector.json')).toBe(hits + 1);
    });

    it.each([
      ['a document that is not an array', () => ({ sector_identifier_uri: rp.url('/not-a-list.json') }), /JSON array/],
      ['a missing document', () => ({ sector_identifier_uri: rp.url('/missing.json') }), /HTTP 404/],
      ['a host that is not allow-listed', () => ({ sector_identifier_uri: `http://localhost:${rp.host.split(':')[1]}/sector.json` }), /not a public address/],
      ['no sector at all', () => ({}), /pairwise subjects need a sector/],
    ])('refuses %s with invalid_client_metadata', async (_name, body, pattern) => {
      const res = await register(body());
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
      expect(res.body.error_description).toMatch(pattern);
    });
  });
});
