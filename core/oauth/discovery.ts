/**
 * OpenID Provider metadata (OIDC Discovery §3, CIBA §4), listing only what this OP implements.
 * There is no authorization endpoint, so `response_types_supported` is honestly empty.
 */
import type { Config } from '../config/types.js';
import { CLAIMS_BY_SCOPE } from './userinfo.js';
import { AUTH_METHODS, CIBA_GRANT } from './client-metadata.js';
import { REGISTRATION_PATH } from './registration.js';

export const PATHS = {
  discovery: '/.well-known/openid-configuration',
  jwks: '/jwks',
  token: '/token',
  backchannel: '/bc-authorize',
  userinfo: '/userinfo',
  registration: REGISTRATION_PATH,
} as const;

export function discoveryDocument(config: Config): Record<string, unknown> {
  const base = config.issuer;
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
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: config.keys.algorithms,
    token_endpoint_auth_methods_supported: [...AUTH_METHODS],
    claims_supported: [...claims],
    acr_values_supported: config.acrValuesSupported,
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
  if (config.cibaEnabled && config.grantTypesSupported.includes(CIBA_GRANT)) {
    doc.backchannel_authentication_endpoint = `${base}${PATHS.backchannel}`;
    doc.backchannel_token_delivery_modes_supported = config.backchannelTokenDeliveryModesSupported;
    doc.backchannel_user_code_parameter_supported = config.backchannelUserCodeParameterSupported;
    if (config.backchannelAuthenticationRequestSigningAlgValuesSupported.length) {
      doc.backchannel_authentication_request_signing_alg_values_supported = config.backchannelAuthenticationRequestSigningAlgValuesSupported;
    }
  }
  if (config.dynamicRegistration.enabled) doc.registration_endpoint = `${base}${PATHS.registration}`;
  return doc;
}
