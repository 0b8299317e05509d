/**
 * What operators do with clients through the admin API. Clients from the configuration are
 * rewritten from it at every start, so they are read-only here: change them in the config.
 * Secrets are generated here, returned once, stored as digests.
 */
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import type { ClientMetadata, ClientRecord } from '../store/ports.js';
import { DuplicateKeyError } from '../store/ports.js';
import { metadataPolicy, validateClientMetadata } from '../oauth/client-metadata.js';
import { digest, randomToken } from '../oauth/secrets.js';

export interface ClientSummary {
  clientId: string;
  source: ClientRecord['source'];
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
  metadata: ClientMetadata;
}

export function clientSummary(client: ClientRecord): ClientSummary {
  return {
    clientId: client.clientId,
    source: client.source,
    disabled: client.disabled,
    createdAt: client.createdAt,
    updatedAt: client.updatedAt,
    metadata: client.metadata,
  };
}

const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;

async function existing(op: OpContext, clientId: string): Promise<ClientRecord> {
  const client = await op.store.clients.get(clientId);
  if (!client) throw oauthError('not_found', `no client ${clientId}`);
  return client;
}

/** A client the admin API may change: not one from the configuration. */
async function managed(op: OpContext, clientId: string): Promise<ClientRecord> {
  const client = await existing(op, clientId);
  if (client.source === 'static') throw oauthError('conflict', `client ${clientId} comes from the configuration: change it there`);
  return client;
}

async function save(op: OpContext, client: ClientRecord): Promise<ClientRecord> {
  if (!(await op.store.clients.replace(client))) throw oauthError('not_found', `no client ${client.clientId}`);
  return client;
}

export async function listClients(op: OpContext): Promise<ClientSummary[]> {
  return (await op.store.clients.list()).map(clientSummary);
}

export async function showClient(op: OpContext, clientId: string): Promise<ClientSummary> {
  return clientSummary(await existing(op, clientId));
}

/** `body`: RFC 7591 metadata, optionally with the `client_id` to use (else a random one). */
export async function createClient(op: OpContext, body: Record<string, unknown>): Promise<{ client: ClientSummary; client_secret: string }> {
  const clientId = typeof body.client_id === 'string' ? body.client_id : randomToken(16);
  if (!CLIENT_ID.test(clientId)) throw oauthError('invalid_request', 'client_id must be 1-128 characters of letters, digits and . _ ~ -');
  const metadata = validateClientMetadata(body, metadataPolicy(op.config));
  const secret = randomToken();
  const now = op.now();
  const client: ClientRecord = {
    clientId,
    secretDigest: digest(secret),
    secretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    source: 'admin',
    disabled: false,
    metadata,
    createdAt: now,
    updatedAt: now,
  };
  await op.store.clients.create(client).catch((err: unknown) => {
    throw err instanceof DuplicateKeyError ? oauthError('conflict', `client ${clientId} exists`) : err;
  });
  return { client: clientSummary(client), client_secret: secret };
}

/** Replaces all metadata, like RFC 7592 does. */
export async function updateClient(op: OpContext, clientId: string, body: Record<string, unknown>): Promise<ClientSummary> {
  const client = await managed(op, clientId);
  const metadata = validateClientMetadata(body, metadataPolicy(op.config));
  return clientSummary(await save(op, { ...client, metadata, updatedAt: op.now() }));
}

/** The old secret stops working at once. */
export async function rotateClientSecret(op: OpContext, clientId: string): Promise<{ client: ClientSummary; client_secret: string }> {
  const client = await managed(op, clientId);
  const secret = randomToken();
  const saved = await save(op, { ...client, secretDigest: digest(secret), secretExpiresAt: 0, updatedAt: op.now() });
  return { client: clientSummary(saved), client_secret: secret };
}

/** A disabled client fails authentication (401) everywhere until enabled again. */
export async function setClientDisabled(op: OpContext, clientId: string, disabled: boolean): Promise<ClientSummary> {
  const client = await managed(op, clientId);
  return clientSummary(await save(op, { ...client, disabled, updatedAt: op.now() }));
}

export async function deleteClient(op: OpContext, clientId: string): Promise<void> {
  await managed(op, clientId);
  await op.store.clients.delete(clientId);
}
