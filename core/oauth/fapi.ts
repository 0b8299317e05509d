/**
 * The FAPI-CIBA profile (FAPI-CIBA 1.0 §5.2.2, with FAPI 1.0 Advanced §8.6 for algorithms),
 * switched on for every client by `fapiCibaEnabled` or for one client by its `fapi_ciba`
 * metadata: confidential clients authenticating with private_key_jwt (mTLS is not offered),
 * PS256 or ES256 for request objects, client assertions and ID tokens, signed authentication
 * requests, poll or ping but never push, and a binding_message on every request.
 *
 * The rules on registered metadata are checked at registration and again whenever the client
 * authenticates, so turning the global switch on also catches clients registered before it.
 */
import type { Config } from '../config/types.js';
import type { ClientMetadata } from '../store/ports.js';

export const FAPI_ALGS: readonly string[] = ['PS256', 'ES256'];

export function isFapiClient(config: Pick<Config, 'fapiCibaEnabled'>, metadata: Pick<ClientMetadata, 'fapi_ciba'>): boolean {
  return config.fapiCibaEnabled || metadata.fapi_ciba === true;
}

/** Narrows a list of algorithms to what the profile allows, when it applies. */
export function profileAlgs(algs: readonly string[], fapi: boolean): string[] {
  return fapi ? algs.filter((alg) => FAPI_ALGS.includes(alg)) : [...algs];
}

/** The first rule a FAPI client's metadata breaks, as a sentence naming the member, or null. */
export function fapiMetadataProblem(metadata: ClientMetadata): string | null {
  if (metadata.token_endpoint_auth_method !== 'private_key_jwt') {
    return 'token_endpoint_auth_method must be private_key_jwt under the FAPI-CIBA profile';
  }
  if (metadata.backchannel_token_delivery_mode === 'push') return 'push mode is not allowed under the FAPI-CIBA profile';
  if (metadata.backchannel_authentication_request_signing_alg === undefined) {
    return 'backchannel_authentication_request_signing_alg is required under the FAPI-CIBA profile';
  }
  const algs: Array<[string, string | undefined]> = [
    ['backchannel_authentication_request_signing_alg', metadata.backchannel_authentication_request_signing_alg],
    ['token_endpoint_auth_signing_alg', metadata.token_endpoint_auth_signing_alg],
    ['id_token_signed_response_alg', metadata.id_token_signed_response_alg],
  ];
  for (const [member, alg] of algs) {
    if (alg !== undefined && !FAPI_ALGS.includes(alg)) return `${member} must be PS256 or ES256 under the FAPI-CIBA profile`;
  }
  return null;
}

/** With the global switch on, each list the profile narrows must keep something. */
export function fapiConfigProblems(config: Config): string[] {
  if (!config.fapiCibaEnabled) return [];
  const problems: string[] = [];
  const lists: Array<[string, readonly string[]]> = [
    ['keys.algorithms', config.keys.algorithms],
    ['backchannelAuthenticationRequestSigningAlgValuesSupported', config.backchannelAuthenticationRequestSigningAlgValuesSupported],
    ['tokenEndpointAuthSigningAlgValuesSupported', config.tokenEndpointAuthSigningAlgValuesSupported],
  ];
  for (const [name, algs] of lists) {
    if (profileAlgs(algs, true).length === 0) problems.push(`${name}: must include PS256 or ES256 when fapiCibaEnabled is true`);
  }
  if (!config.tokenEndpointAuthMethodsSupported.includes('private_key_jwt')) {
    problems.push('tokenEndpointAuthMethodsSupported: must include private_key_jwt when fapiCibaEnabled is true');
  }
  return problems;
}
