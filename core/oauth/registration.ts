/**
 * Dynamic client registration (RFC 7591) and management with the registration access token
 * (RFC 7592). Secrets and access tokens are generated here, returned once, stored as digests.
 */
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import type { ClientMetadata, ClientRecord } from '../store/ports.js';
import { metadataPolicy, validateClientMetadata } from './client-metadata.js';
import { checkNotificationEndpoint } from './notification-endpoint.js';
import { checkSectorIdentifierUri } from './sector-identifier.js';
import { digest, matchesDigest, randomToken, safeEqual } from './secrets.js';

export const REGISTRATION_PATH = '/register';

export interface RegistrationResponse extends ClientMetadata {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at: number;
  registration_access_token?: string;
  registration_client_uri: string;
}

function bearer(authorization: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization ?? '');
  return match?.[1];
}

function clientUri(op: OpContext, clientId: string): string {
  return `${op.config.issuer}${REGISTRATION_PATH}/${encodeURIComponent(clientId)}`;
}

function describe(op: OpContext, client: ClientRecord): RegistrationResponse {
  return {
    ...client.metadata,
    client_id: client.clientId,
    client_id_issued_at: Math.floor(client.createdAt / 1000),
    client_secret_expires_at: Math.floor(client.secretExpiresAt / 1000),
    registration_client_uri: clientUri(op, client.clientId),
  };
}

function requireInitialAccessToken(op: OpContext, authorization: string | undefined): void {
  const { enabled, initialAccessToken } = op.config.dynamicRegistration;
  if (!enabled) throw oauthError('access_denied', 'dynamic client registration is disabled');
  if (initialAccessToken === null) return;
  const presented = bearer(authorization);
  if (!presented || !safeEqual(presented, initialAccessToken)) {
    throw oauthError('invalid_token', 'a valid initial access token is required to register', {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
  }
}

export async function registerClient(op: OpContext, body: unknown, authorization: string | undefined): Promise<RegistrationResponse> {
  requireInitialAccessToken(op, authorization);
  const metadata = validateClientMetadata(body, metadataPolicy(op.config));
  await checkNotificationEndpoint(op.config, metadata);
  await checkSectorIdentifierUri(op.config, metadata);
  const now = op.now();
  // A private_key_jwt client is given no secret: its digest is then of one nobody holds.
  const secret = randomToken();
  const accessToken = randomToken();
  const client: ClientRecord = {
    clientId: randomToken(16),
    secretDigest: digest(secret),
    secretExpiresAt: 0,
    registrationAccessTokenDigest: digest(accessToken),
    source: 'dynamic',
    disabled: false,
    metadata,
    createdAt: now,
    updatedAt: now,
  };
  if (metadata.token_endpoint_auth_method === 'client_secret_jwt') client.sealedSecret = await op.clientKeys.sealSecret(secret);
  await op.store.clients.create(client);
  const issued = metadata.token_endpoint_auth_method === 'private_key_jwt' ? {} : { client_secret: secret };
  return { ...describe(op, client), ...issued, registration_access_token: accessToken };
}

/**
 * The sealed secret exists exactly while a client uses client_secret_jwt. Switching to it needs
 * the secret itself, which the OP only holds as a digest; a client given no secret cannot
 * switch to any secret-based method.
 */
async function sealedSecretFor(op: OpContext, before: ClientRecord, metadata: ClientMetadata, presented: string | undefined): Promise<string | undefined> {
  const method = metadata.token_endpoint_auth_method;
  if (before.metadata.token_endpoint_auth_method === 'private_key_jwt' && method !== 'private_key_jwt') {
    throw oauthError('invalid_client_metadata', `a client registered without a secret cannot switch to ${method}: register a new client`);
  }
  if (method !== 'client_secret_jwt') return undefined;
  if (before.sealedSecret !== undefined) return before.sealedSecret;
  if (presented === undefined) {
    throw oauthError('invalid_client_metadata', 'switching to client_secret_jwt needs client_secret in the request, so the OP can keep it for HMAC checks');
  }
  return op.clientKeys.sealSecret(presented);
}

/** RFC 7592 §2: a wrong token and an unknown client answer alike, 401 `invalid_token`. */
async function managedClient(op: OpContext, clientId: string, authorization: string | undefined): Promise<ClientRecord> {
  const presented = bearer(authorization);
  const client = await op.store.clients.get(clientId);
  const ok =
    presented !== undefined &&
    client?.registrationAccessTokenDigest != null &&
    matchesDigest(presented, client.registrationAccessTokenDigest);
  if (!client || !ok) {
    throw oauthError('invalid_token', 'the registration access token is not valid for this client', {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
  }
  return client;
}

export async function readClient(op: OpContext, clientId: string, authorization: string | undefined): Promise<RegistrationResponse> {
  return describe(op, await managedClient(op, clientId, authorization));
}

/** RFC 7592 §2.2: the body replaces all metadata; client_id must match, a sent secret must be the current one. */
export async function updateClient(
  op: OpContext,
  clientId: string,
  body: unknown,
  authorization: string | undefined,
): Promise<RegistrationResponse> {
  const client = await managedClient(op, clientId, authorization);
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (input.client_id !== clientId) throw oauthError('invalid_request', 'client_id in the body must match the client being updated');
  if (input.client_secret !== undefined && (typeof input.client_secret !== 'string' || !matchesDigest(input.client_secret, client.secretDigest))) {
    throw oauthError('invalid_request', 'client_secret does not match the current secret');
  }
  const metadata = validateClientMetadata(body, metadataPolicy(op.config));
  await checkNotificationEndpoint(op.config, metadata);
  await checkSectorIdentifierUri(op.config, metadata);
  const sealedSecret = await sealedSecretFor(op, client, metadata, input.client_secret as string | undefined);
  const { sealedSecret: _previous, ...rest } = client;
  const updated: ClientRecord = { ...rest, ...(sealedSecret === undefined ? {} : { sealedSecret }), metadata, updatedAt: op.now() };
  if (!(await op.store.clients.replace(updated))) throw oauthError('invalid_token', 'the client no longer exists');
  return describe(op, updated);
}

export async function deleteClient(op: OpContext, clientId: string, authorization: string | undefined): Promise<void> {
  await managedClient(op, clientId, authorization);
  await op.store.clients.delete(clientId);
}
