/**
 * Client metadata rules (RFC 7591 + CIBA §4), shared by dynamic registration, RFC 7592 updates
 * and static clients from config, so a client is held to the same rules however it arrived.
 * Each rule is a small function; a violation is 400 `invalid_client_metadata`.
 */
import { oauthError } from '../errors.js';
import type { Config } from '../config/types.js';
import type { ClientMetadata, DeliveryMode } from '../store/ports.js';

export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
export const REFRESH_GRANT = 'refresh_token';
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;

export interface MetadataPolicy {
  grantTypesSupported: readonly string[];
  dynamicGrantTypeDefault: readonly string[];
  deliveryModesSupported: readonly string[];
  idTokenAlgs: readonly string[];
  scopesSupported: readonly string[];
  devMode: boolean;
}

export function metadataPolicy(config: Config): MetadataPolicy {
  return {
    grantTypesSupported: config.grantTypesSupported,
    dynamicGrantTypeDefault: config.dynamicGrantTypeDefault,
    deliveryModesSupported: config.backchannelTokenDeliveryModesSupported,
    idTokenAlgs: config.keys.algorithms,
    scopesSupported: config.scopesSupported,
    devMode: config.devMode,
  };
}

type Input = Record<string, unknown>;

function invalid(description: string): never {
  throw oauthError('invalid_client_metadata', description);
}

function optionalString(input: Input, name: string, max = 2048): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    invalid(`${name} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

function stringArray(input: Input, name: string): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    invalid(`${name} must be an array of strings`);
  }
  return [...new Set(value as string[])];
}

function httpsUrl(value: string, name: string, allowLoopbackHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid(`${name} must be an absolute URL`);
  }
  if (url.hash) invalid(`${name} must not contain a fragment`);
  if (url.username || url.password) invalid(`${name} must not contain credentials`);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(allowLoopbackHttp && loopback && url.protocol === 'http:')) {
    invalid(`${name} must be an https URL`);
  }
  return value;
}

function grantTypes(input: Input, policy: MetadataPolicy): string[] {
  const grants = stringArray(input, 'grant_types') ?? [...policy.dynamicGrantTypeDefault];
  if (grants.length === 0) invalid('grant_types must not be empty');
  for (const grant of grants) {
    if (!policy.grantTypesSupported.includes(grant)) invalid(`grant_types: ${grant} is not supported by this OP`);
  }
  return grants;
}

/** This OP has no authorization endpoint: only `[]` (or nothing) makes sense. */
function responseTypes(input: Input): string[] {
  const types = stringArray(input, 'response_types') ?? [];
  if (types.length > 0) invalid('response_types must be empty: this OP offers no authorization endpoint');
  return [];
}

function authMethod(input: Input): ClientMetadata['token_endpoint_auth_method'] {
  const method = optionalString(input, 'token_endpoint_auth_method') ?? 'client_secret_basic';
  if (!(AUTH_METHODS as readonly string[]).includes(method)) {
    invalid(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  }
  return method as ClientMetadata['token_endpoint_auth_method'];
}

function idTokenAlg(input: Input, policy: MetadataPolicy): string {
  const alg = optionalString(input, 'id_token_signed_response_alg') ?? 'RS256';
  if (!policy.idTokenAlgs.includes(alg)) {
    invalid(`id_token_signed_response_alg must be one of ${policy.idTokenAlgs.join(', ')}`);
  }
  return alg;
}

function scope(input: Input, policy: MetadataPolicy): string | undefined {
  const value = optionalString(input, 'scope');
  if (value === undefined) return undefined;
  const scopes = value.split(' ');
  for (const s of scopes) {
    if (!policy.scopesSupported.includes(s)) invalid(`scope: ${s || '(empty)'} is not supported by this OP`);
  }
  return scopes.join(' ');
}

function subjectType(input: Input): 'public' | undefined {
  const value = optionalString(input, 'subject_type');
  if (value !== undefined && value !== 'public') invalid('subject_type: only public is supported by this OP');
  return value;
}

function booleanMember(input: Input, name: string): boolean {
  const value = input[name];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') invalid(`${name} must be a boolean`);
  return value;
}

/** CIBA §4: delivery mode required with the CIBA grant; ping/push need an https endpoint. */
function cibaMembers(input: Input, grants: string[], policy: MetadataPolicy): Partial<ClientMetadata> {
  const mode = optionalString(input, 'backchannel_token_delivery_mode');
  const endpoint = optionalString(input, 'backchannel_client_notification_endpoint');
  if (input.backchannel_authentication_request_signing_alg !== undefined) {
    invalid('backchannel_authentication_request_signing_alg: signed authentication requests are not supported by this OP yet');
  }
  if (!grants.includes(CIBA_GRANT)) {
    if (mode !== undefined || endpoint !== undefined) {
      invalid(`backchannel_token_delivery_mode needs ${CIBA_GRANT} in grant_types`);
    }
    return {};
  }
  if (mode === undefined) invalid(`backchannel_token_delivery_mode is required with the ${CIBA_GRANT} grant`);
  if (!policy.deliveryModesSupported.includes(mode)) {
    invalid(`backchannel_token_delivery_mode must be one of ${policy.deliveryModesSupported.join(', ')}`);
  }
  if ((mode === 'ping' || mode === 'push') && endpoint === undefined) {
    invalid(`backchannel_client_notification_endpoint is required for ${mode} mode`);
  }
  const out: Partial<ClientMetadata> = { backchannel_token_delivery_mode: mode as DeliveryMode };
  if (endpoint !== undefined) {
    out.backchannel_client_notification_endpoint = httpsUrl(endpoint, 'backchannel_client_notification_endpoint', policy.devMode);
  }
  return out;
}

/** Validates registration input into the metadata the OP stores; unknown members are ignored (RFC 7591 §2). */
export function validateClientMetadata(raw: unknown, policy: MetadataPolicy): ClientMetadata {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid('the request body must be a JSON object');
  const input = raw as Input;
  const grants = grantTypes(input, policy);
  const metadata: ClientMetadata = {
    grant_types: grants,
    response_types: responseTypes(input),
    token_endpoint_auth_method: authMethod(input),
    id_token_signed_response_alg: idTokenAlg(input, policy),
    backchannel_user_code_parameter: booleanMember(input, 'backchannel_user_code_parameter'),
    ...cibaMembers(input, grants, policy),
  };
  const clientName = optionalString(input, 'client_name', 255);
  if (clientName !== undefined) metadata.client_name = clientName;
  const logoUri = optionalString(input, 'logo_uri');
  if (logoUri !== undefined) metadata.logo_uri = httpsUrl(logoUri, 'logo_uri', policy.devMode);
  const contacts = stringArray(input, 'contacts');
  if (contacts !== undefined) metadata.contacts = contacts;
  const scopeValue = scope(input, policy);
  if (scopeValue !== undefined) metadata.scope = scopeValue;
  const subject = subjectType(input);
  if (subject !== undefined) metadata.subject_type = subject;
  return metadata;
}
