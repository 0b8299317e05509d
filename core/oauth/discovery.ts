/**
 * OpenID Provider metadata (OIDC Discovery §3, CIBA §4), listing only what this OP implements.
 * There is no authorization endpoint, so `response_types_supported` is honestly empty. With the
 * FAPI-CIBA profile on for every client, only what the profile allows is advertised.
 */
import type { Config } from '../config/types.js';
import { CLAIMS_BY_SCOPE } from './userinfo.js';
import { CIBA_GRANT } from './client-metadata.js';
import { profileAlgs } from './fapi.js';
import { REGISTRATION_PATH } from './registration.js';

export const PATHS = {
  discovery: '/.well-known/openid-configuration',
  jwks: '/jwks',
  token: '/token',
  backchannel: '/bc-authorize',
  userinfo: '/userinfo',
  registration: REGISTRATION_PATH,
} as const;

/** The algorithms a client assertion may use: HMAC ones only with client_secret_jwt offered, the others only with private_key_jwt. */
function assertionAlgs(config: Config, methods: readonly string[]): string[] {
  return config.tokenEndpointAuthSigningAlgValuesSupported.filter((alg) =>
    methods.includes(alg.startsWith('HS') ? 'client_secret_jwt' : 'private_key_jwt'),
  );
}

export function discoveryDocument(config: Config): Record<string, unknown> {
  const base = config.issuer;
  const fapi = config.fapiCibaEnabled;
  const authMethods = fapi ? ['private_key_jwt'] : config.tokenEndpointAuthMethodsSupported;
  const claims = new Set(['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'amr']);
  for (const scope of config.scopesSupported) for (const claim of CLAIMS_BY_SCOPE[scope] ?? []) claims.add(claim);
  const doc: Record<string, unknown> = {
    issuer: base,
    jwks_uri: `${base}${PATHS.jwks}`,
    token_endpoint: `${base}${PATHS.token}`,
    userinfo_endpoint: `${base}${PATHS.userinfo}`,
    scopes_supported: config.scopesSupported,
    response_types_supported: [],
    grant_types_supported: config.grantTypesSupported,
    subject_types_supported: config.subjectTypesSupported,
    id_token_signing_alg_values_supported: profileAlgs(config.keys.algorithms, fapi),
    token_endpoint_auth_methods_supported: authMethods,
    claims_supported: [...claims],
    acr_values_supported: config.acrValuesSupported,
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
  const assertionSigningAlgs = profileAlgs(assertionAlgs(config, authMethods), fapi);
  if (assertionSigningAlgs.length) doc.token_endpoint_auth_signing_alg_values_supported = assertionSigningAlgs;
  if (config.cibaEnabled && config.grantTypesSupported.includes(CIBA_GRANT)) {
    doc.backchannel_authentication_endpoint = `${base}${PATHS.backchannel}`;
    doc.backchannel_token_delivery_modes_supported = config.backchannelTokenDeliveryModesSupported.filter((mode) => !fapi || mode !== 'push');
    doc.backchannel_user_code_parameter_supported = config.backchannelUserCodeParameterSupported;
    const requestAlgs = profileAlgs(config.backchannelAuthenticationRequestSigningAlgValuesSupported, fapi);
    if (requestAlgs.length) doc.backchannel_authentication_request_signing_alg_values_supported = requestAlgs;
  }
  if (config.dynamicRegistration.enabled) doc.registration_endpoint = `${base}${PATHS.registration}`;
  return doc;
}
