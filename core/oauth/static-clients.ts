/**
 * Clients declared in config are written to the store at every start, held to the same metadata
 * rules as registered ones; a broken entry stops start-up with a line naming it.
 */
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { ClientRecord, ClientRepo } from '../store/ports.js';
import { isOAuthError } from '../errors.js';
import { metadataPolicy, validateClientMetadata } from './client-metadata.js';
import { digest } from './secrets.js';

function secretOf(entry: Config['clients'][number], env: NodeJS.ProcessEnv): string | null {
  if (entry.client_secret !== undefined) return entry.client_secret;
  return entry.client_secret_env ? (env[entry.client_secret_env] ?? null) : null;
}

export async function syncStaticClients(config: Config, clients: ClientRepo, now: number, env = process.env): Promise<void> {
  const problems: string[] = [];
  const records: ClientRecord[] = [];
  for (const [index, entry] of config.clients.entries()) {
    const secret = secretOf(entry, env);
    if (!secret) {
      problems.push(`clients[${index}].client_secret_env: environment variable ${entry.client_secret_env} is not set`);
      continue;
    }
    try {
      const metadata = validateClientMetadata(entry, metadataPolicy(config));
      const existing = await clients.get(entry.client_id);
      records.push({
        clientId: entry.client_id,
        secretDigest: digest(secret),
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
