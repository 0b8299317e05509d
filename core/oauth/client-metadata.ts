/**
 * Client metadata rules (RFC 7591 + CIBA §4), shared by dynamic registration, RFC 7592 updates
 * and static clients from config, so a client is held to the same rules however it arrived.
 * Each rule is a small function; a violation is 400 `invalid_client_metadata`.
 */
import { oauthError } from '../errors.js';
import type { Config } from '../config/types.js';
import type { ClientMetadata, DeliveryMode } from '../store/ports.js';
import { fapiMetadataProblem, profileAlgs } from './fapi.js';
import { sectorHost } from './pairwise.js';

export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
export const REFRESH_GRANT = 'refresh_token';

export interface MetadataPolicy {
  grantTypesSupported: readonly string[];
  dynamicGrantTypeDefault: readonly string[];
  deliveryModesSupported: readonly string[];
  idTokenAlgs: readonly string[];
  scopesSupported: readonly string[];
  authMethods: readonly string[];
  authSigningAlgs: readonly string[];
  requestSigningAlgs: readonly string[];
  subjectTypes: readonly string[];
  /** The global FAPI-CIBA switch. */
  fapi: boolean;
  devMode: boolean;
}

export function metadataPolicy(config: Config): MetadataPolicy {
  return {
    grantTypesSupported: config.grantTypesSupported,
    dynamicGrantTypeDefault: config.dynamicGrantTypeDefault,
    deliveryModesSupported: config.backchannelTokenDeliveryModesSupported,
    idTokenAlgs: config.keys.algorithms,
    scopesSupported: config.scopesSupported,
    authMethods: config.tokenEndpointAuthMethodsSupported,
    authSigningAlgs: config.tokenEndpointAuthSigningAlgValuesSupported,
    requestSigningAlgs: config.backchannelAuthenticationRequestSigningAlgValuesSupported,
    subjectTypes: config.subjectTypesSupported,
    fapi: config.fapiCibaEnabled,
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

/** The member's value (or `fallback` when absent), which must be one of `allowed`. */
function oneOf(input: Input, name: string, allowed: readonly string[], fallback?: string): string | undefined {
  const value = optionalString(input, name) ?? fallback;
  if (value !== undefined && !allowed.includes(value)) invalid(`${name} must be one of ${allowed.join(', ') || '(none offered)'}`);
  return value;
}

/** Under the FAPI-CIBA profile the defaults are the profile's: private_key_jwt, PS256/ES256. */
function authMethod(input: Input, policy: MetadataPolicy, fapi: boolean): ClientMetadata['token_endpoint_auth_method'] {
  return oneOf(input, 'token_endpoint_auth_method', policy.authMethods, fapi ? 'private_key_jwt' : 'client_secret_basic') as ClientMetadata['token_endpoint_auth_method'];
}

function idTokenAlg(input: Input, policy: MetadataPolicy, fapi: boolean): string {
  return oneOf(input, 'id_token_signed_response_alg', policy.idTokenAlgs, profileAlgs(policy.idTokenAlgs, fapi)[0] ?? 'RS256') as string;
}

/** An HMAC goes with client_secret_jwt and a signature with private_key_jwt; the other methods sign nothing. */
function authSigningAlg(input: Input, method: string, policy: MetadataPolicy): string | undefined {
  const alg = oneOf(input, 'token_endpoint_auth_signing_alg', policy.authSigningAlgs);
  if (alg === undefined) return undefined;
  const fits = method === 'client_secret_jwt' ? alg.startsWith('HS') : method === 'private_key_jwt' && !alg.startsWith('HS');
  if (!fits) invalid(`token_endpoint_auth_signing_alg ${alg} does not go with token_endpoint_auth_method ${method}`);
  return alg;
}

/** Members a JWK holds only when it is private or symmetric. */
const SECRET_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_JWKS_CHARS = 64 * 1024;

function publicJwks(value: unknown): NonNullable<ClientMetadata['jwks']> {
  const keys: unknown = typeof value === 'object' && value !== null ? (value as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys) || keys.length === 0) invalid('jwks must be a JWK Set with at least one key');
  if (JSON.stringify(value).length > MAX_JWKS_CHARS) invalid(`jwks must not exceed ${MAX_JWKS_CHARS} characters`);
  for (const key of keys as unknown[]) {
    const jwk = (typeof key === 'object' && key !== null ? key : {}) as Record<string, unknown>;
    if (!['RSA', 'EC', 'OKP'].includes(jwk.kty as string)) invalid('jwks: every key must be an RSA, EC or OKP public key');
    if (SECRET_JWK_MEMBERS.some((member) => member in jwk)) invalid('jwks must hold public keys only');
  }
  return { keys: keys as Record<string, unknown>[] };
}

/** The client's public keys, inline or by reference, never both (OIDC Registration §2). */
function keyMaterial(input: Input, policy: MetadataPolicy): Pick<ClientMetadata, 'jwks' | 'jwks_uri'> {
  const uri = optionalString(input, 'jwks_uri');
  const inline = input.jwks ?? undefined;
  if (uri !== undefined && inline !== undefined) invalid('jwks and jwks_uri must not both be present');
  if (uri !== undefined) return { jwks_uri: httpsUrl(uri, 'jwks_uri', policy.devMode) };
  return inline === undefined ? {} : { jwks: publicJwks(inline) };
}

/** What needs the client's public keys cannot be registered without them. */
function requireKeys(metadata: ClientMetadata): void {
  if (metadata.jwks !== undefined || metadata.jwks_uri !== undefined) return;
  if (metadata.token_endpoint_auth_method === 'private_key_jwt') invalid('private_key_jwt needs jwks or jwks_uri');
  if (metadata.backchannel_authentication_request_signing_alg !== undefined) {
    invalid('backchannel_authentication_request_signing_alg needs jwks or jwks_uri');
  }
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

/**
 * A pairwise client needs a sector; the content of a sector_identifier_uri is checked by
 * dynamic registration (core/oauth/sector-identifier.ts), which can wait for the network.
 */
function subjectMembers(input: Input, policy: MetadataPolicy, metadata: ClientMetadata): Pick<ClientMetadata, 'subject_type' | 'sector_identifier_uri'> {
  const out: Pick<ClientMetadata, 'subject_type' | 'sector_identifier_uri'> = {};
  const type = oneOf(input, 'subject_type', policy.subjectTypes);
  if (type !== undefined) out.subject_type = type as NonNullable<ClientMetadata['subject_type']>;
  const sectorUri = optionalString(input, 'sector_identifier_uri');
  if (sectorUri !== undefined) out.sector_identifier_uri = httpsUrl(sectorUri, 'sector_identifier_uri', policy.devMode);
  if (type === 'pairwise' && sectorHost({ ...metadata, ...out }) === null) {
    invalid('pairwise subjects need a sector: register sector_identifier_uri, backchannel_client_notification_endpoint or jwks_uri');
  }
  return out;
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
  const signingAlg = oneOf(input, 'backchannel_authentication_request_signing_alg', policy.requestSigningAlgs);
  if (!grants.includes(CIBA_GRANT)) {
    if (mode !== undefined || endpoint !== undefined || signingAlg !== undefined) {
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
  if (signingAlg !== undefined) out.backchannel_authentication_request_signing_alg = signingAlg;
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
  const fapiOptIn = booleanMember(input, 'fapi_ciba');
  const fapi = policy.fapi || fapiOptIn;
  const method = authMethod(input, policy, fapi);
  const metadata: ClientMetadata = {
    grant_types: grants,
    response_types: responseTypes(input),
    token_endpoint_auth_method: method,
    id_token_signed_response_alg: idTokenAlg(input, policy, fapi),
    backchannel_user_code_parameter: booleanMember(input, 'backchannel_user_code_parameter'),
    ...keyMaterial(input, policy),
    ...cibaMembers(input, grants, policy),
  };
  const signingAlg = authSigningAlg(input, method, policy);
  if (signingAlg !== undefined) metadata.token_endpoint_auth_signing_alg = signingAlg;
  if (fapiOptIn) metadata.fapi_ciba = true;
  requireKeys(metadata);
  const clientName = optionalString(input, 'client_name', 255);
  if (clientName !== undefined) metadata.client_name = clientName;
  const logoUri = optionalString(input, 'logo_uri');
  if (logoUri !== undefined) metadata.logo_uri = httpsUrl(logoUri, 'logo_uri', policy.devMode);
  const contacts = stringArray(input, 'contacts');
  if (contacts !== undefined) metadata.contacts = contacts;
  const scopeValue = scope(input, policy);
  if (scopeValue !== undefined) metadata.scope = scopeValue;
  Object.assign(metadata, subjectMembers(input, policy, metadata));
  const fapiProblem = fapi ? fapiMetadataProblem(metadata) : null;
  if (fapiProblem) invalid(fapiProblem);
  return metadata;
}
