/**
 * Push mode (CIBA §10.3): the callback carries the outcome itself. On approval that is the token
 * response plus `auth_req_id`; the tokens are minted once, on the first attempt, and kept sealed
 * under the key-encryption key in the outbox entry, so a retry sends the very same tokens and
 * never mints again. A refusal carries the error (CIBA §12).
 */
import type { AuthRequestRecord, ClientRecord, OutboxEntry } from '../store/ports.js';
import { mintTokens } from '../oauth/tokens.js';
import { randomToken } from '../oauth/secrets.js';
import { seal, unseal } from '../crypto/sealed.js';
import { grantOf } from './grant.js';

/** What minting needs, and the key-encryption key the payload is sealed under. */
export type PushDeps = Parameters<typeof mintTokens>[0] & { kek: Uint8Array };

/** The push error for a request that ended without tokens: denied, failed or expired. */
export function pushErrorBody(record: AuthRequestRecord): string {
  const [error, description] =
    record.state === 'denied'
      ? ['access_denied', record.reason ?? 'the end-user denied the request']
      : record.state === 'expired'
        ? ['expired_token', 'the authentication request has expired']
        : ['transaction_failed', record.reason ?? 'the authentication request failed'];
  return JSON.stringify({ error, error_description: description, auth_req_id: record.id });
}

/**
 * The token payload of an approved request, sealed into the entry before it is first sent, then
 * the request is marked issued. Null when this holder lost its lease meanwhile (the tokens it
 * minted are revoked: another holder delivers).
 */
export async function pushTokenBody(deps: PushDeps, entry: OutboxEntry, record: AuthRequestRecord, client: ClientRecord): Promise<string | null> {
  const body = entry.sealedPayload ? await unseal(entry.sealedPayload, deps.kek) : await mintOnce(deps, entry, record, client);
  // Push clients never redeem at the token endpoint: `issued` records that the tokens exist.
  if (body !== null) await deps.store.authRequests.transition(record.id, ['approved'], 'issued');
  return body;
}

async function mintOnce(deps: PushDeps, entry: OutboxEntry, record: AuthRequestRecord, client: ClientRecord): Promise<string | null> {
  const grantId = randomToken(16);
  const tokens = await mintTokens(deps, client, grantOf(record, grantId));
  const body = JSON.stringify({ ...tokens, auth_req_id: record.id });
  const stored = await deps.store.outbox.attachPayload(entry.id, entry.leaseOwner as string, await seal(body, deps.kek), grantId, deps.now());
  if (stored) return body;
  await deps.store.tokens.revokeGrant(grantId);
  return null;
}
