/** The FAPI-CIBA rules on client metadata and on configuration. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load.js';
import { fapiConfigProblems, fapiMetadataProblem } from '../../core/oauth/fapi.js';
import type { ClientMetadata } from '../../core/store/ports.js';

const compliant: ClientMetadata = {
  grant_types: ['urn:openid:params:grant-type:ciba'],
  response_types: [],
  token_endpoint_auth_method: 'private_key_jwt',
  id_token_signed_response_alg: 'PS256',
  backchannel_token_delivery_mode: 'poll',
  backchannel_authentication_request_signing_alg: 'ES256',
  backchannel_user_code_parameter: false,
  jwks_uri: 'https://rp.example/jwks',
};

describe('fapiMetadataProblem', () => {
  it('accepts poll and ping clients with private_key_jwt and PS256/ES256', () => {
    expect(fapiMetadataProblem(compliant)).toBeNull();
    expect(fapiMetadataProblem({ ...compliant, backchannel_token_delivery_mode: 'ping', token_endpoint_auth_signing_alg: 'PS256' })).toBeNull();
  });
  it.each<[string, Partial<ClientMetadata>, RegExp]>([
    ['push mode', { backchannel_token_delivery_mode: 'push' }, /push mode is not allowed/],
    ['a secret', { token_endpoint_auth_method: 'client_secret_jwt' }, /private_key_jwt/],
    ['unsigned requests', { backchannel_authentication_request_signing_alg: undefined }, /is required/],
    ['RS256 requests', { backchannel_authentication_request_signing_alg: 'RS256' }, /backchannel_authentication_request_signing_alg must be PS256 or ES256/],
    ['RS256 assertions', { token_endpoint_auth_signing_alg: 'RS256' }, /token_endpoint_auth_signing_alg must be PS256 or ES256/],
    ['RS256 ID tokens', { id_token_signed_response_alg: 'RS256' }, /id_token_signed_response_alg must be PS256 or ES256/],
  ])('refuses %s', (_name, change, pattern) => {
    expect(fapiMetadataProblem({ ...compliant, ...change })).toMatch(pattern);
  });
});

describe('fapiConfigProblems', () => {
  it('needs PS256 or ES256 in every list the profile narrows, and private_key_jwt', () => {
    const config = loadConfig({ env: {}, overrides: { fapiCibaEnabled: true } });
    expect(fapiConfigProblems(config)).toEqual([]);
    const narrowed = { ...config, backchannelAuthenticationRequestSigningAlgValuesSupported: ['RS256'], tokenEndpointAuthMethodsSupported: ['client_secret_basic' as const] };
    expect(fapiConfigProblems(narrowed)).toEqual([
      'backchannelAuthenticationRequestSigningAlgValuesSupported: must include PS256 or ES256 when fapiCibaEnabled is true',
      'tokenEndpointAuthMethodsSupported: must include private_key_jwt when fapiCibaEnabled is true',
    ]);
    expect(fapiConfigProblems({ ...narrowed, fapiCibaEnabled: false })).toEqual([]);
  });
});
