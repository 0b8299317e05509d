/**
 * sector_identifier_uri (OIDC Registration §5, OIDC Core §8.1): an https URL where the client
 * publishes a JSON array of URIs, proving that everything it registered belongs to the sector
 * the URL's host names. Fetched when a client registers or updates, through the SSRF-guarded
 * fetch. A CIBA client has no redirect_uris; what the OP calls back — its
 * backchannel_client_notification_endpoint — must be listed instead.
 */
import { oauthError } from '../errors.js';
import type { Config } from '../config/types.js';
import type { ClientMetadata } from '../store/ports.js';
import { guardedFetch } from '../net/guarded-fetch.js';

function invalid(description: string): never {
  throw oauthError('invalid_client_metadata', description);
}

async function fetchList(uri: string, config: Config): Promise<unknown> {
  let response: Response;
  try {
    response = await guardedFetch(
      uri,
      { timeoutMs: config.outbound.timeoutMs, maxBytes: config.outbound.maxResponseBytes, headers: { accept: 'application/json' } },
      { allowPrivateHosts: config.outbound.allowPrivateHosts, allowLoopbackHttp: config.devMode },
    );
  } catch (err) {
    invalid(`sector_identifier_uri could not be fetched: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (response.status !== 200) invalid(`sector_identifier_uri answered HTTP ${response.status}`);
  try {
    return JSON.parse(await response.text()) as unknown;
  } catch {
    invalid('sector_identifier_uri does not serve JSON');
  }
}

export async function checkSectorIdentifierUri(config: Config, metadata: ClientMetadata): Promise<void> {
  if (metadata.sector_identifier_uri === undefined) return;
  const list = await fetchList(metadata.sector_identifier_uri, config);
  if (!Array.isArray(list) || !list.every((uri) => typeof uri === 'string')) invalid('sector_identifier_uri must serve a JSON array of URIs');
  const endpoint = metadata.backchannel_client_notification_endpoint;
  if (endpoint !== undefined && !list.includes(endpoint)) {
    invalid('backchannel_client_notification_endpoint is not listed at sector_identifier_uri');
  }
}
