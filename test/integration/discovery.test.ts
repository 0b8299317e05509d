import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOp, type TestOp } from '../support/op.js';

describe('discovery and JWKS', () => {
  let t: TestOp;
  beforeAll(async () => {
    t = await startOp();
  });
  afterAll(() => t.close());

  it('publishes the OIDC and CIBA members for what is implemented, and nothing else', async () => {
    const doc = (await (await fetch(`${t.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: t.url,
      token_endpoint: `${t.url}/token`,
      jwks_uri: `${t.url}/jwks`,
      backchannel_authentication_endpoint: `${t.url}/bc-authorize`,
      backchannel_token_delivery_modes_supported: ['poll', 'ping', 'push'],
      backchannel_user_code_parameter_supported: true,
      registration_endpoint: `${t.url}/register`,
      response_types_supported: [],
      subject_types_supported: ['public', 'pairwise'],
      id_token_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['PS256', 'ES256', 'RS256', 'HS256'],
      backchannel_authentication_request_signing_alg_values_supported: ['PS256', 'ES256', 'RS256'],
    });
    expect(doc.grant_types_supported).toContain('urn:openid:params:grant-type:ciba');
    expect(doc).not.toHaveProperty('authorization_endpoint');
  });

  it('publishes every key with a kid, RSA keys of at least 2048 bits, no private parts', async () => {
    const { keys } = (await (await fetch(`${t.url}/jwks`)).json()) as { keys: Array<Record<string, string>> };
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'PS256', 'RS256']);
    for (const key of keys) {
      expect(key.kid).toBeTypeOf('string');
      expect(key.d).toBeUndefined();
      if (key.kty === 'RSA') expect(Buffer.from(key.n as string, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
    }
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await fetch(`${t.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe('not_found');
  });
});
