/**
 * Clients declared in config are written to the store at every start, held to the same metadata
 * rules as registered ones; a broken entry stops start-up with a line naming it.
 */
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { ClientRecord, ClientRepo } from '../store/ports.js';
import { isOAuthError } from '../errors.js';
import { metadataPolicy, validateClientMetadata } from './client-metadata.js';
import { checkNotificationEndpoint } from './notification-endpoint.js';
import type { ClientKeys } from './client-keys.js';
import { digest, randomToken } from './secrets.js';

function secretOf(entry: Config['clients'][number], env: NodeJS.ProcessEnv): string | null {
  if (entry.client_secret !== undefined) return entry.client_secret;
  return entry.client_secret_env ? (env[entry.client_secret_env] ?? null) : null;
}

export async function syncStaticClients(
  config: Config,
  clients: ClientRepo,
  now: number,
  clientKeys: Pick<ClientKeys, 'sealSecret'>,
  env = process.env,
): Promise<void> {
  const problems: string[] = [];
  const records: ClientRecord[] = [];
  for (const [index, entry] of config.clients.entries()) {
    // A private_key_jwt client needs no secret: its digest is then of one nobody holds.
    const secret = entry.token_endpoint_auth_method === 'private_key_jwt' ? randomToken() : secretOf(entry, env);
    if (!secret) {
      problems.push(
        entry.client_secret_env
          ? `clients[${index}].client_secret_env: environment variable ${entry.client_secret_env} is not set`
          : `clients[${index}]: client_secret or client_secret_env is required unless token_endpoint_auth_method is private_key_jwt`,
      );
      continue;
    }
    try {
      const metadata = validateClientMetadata(entry, metadataPolicy(config));
      await checkNotificationEndpoint(config, metadata, false);
      const existing = await clients.get(entry.client_id);
      records.push({
        clientId: entry.client_id,
        secretDigest: digest(secret),
        ...(metadata.token_endpoint_auth_method === 'client_secret_jwt' ? { sealedSecret: await clientKeys.sealSecret(secret) } : {}),
        secretExpiresAt: 0,
        registrationAccessTokenDigest: null,
        source: 'static',
        disabled: false,
        metadata,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      });
    } catch (err) {
      if (!isOAuthError(err)) throw err;
      problems.push(`clients[${index}] (${entry.client_id}): ${err.description}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  for (const record of records) await clients.upsert(record);
}
