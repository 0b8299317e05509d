/**
 * Client authentication for every endpoint that authenticates clients (token, bc-authorize):
 * `client_secret_basic` and `client_secret_post` (RFC 6749 §2.3.1) here, `private_key_jwt` and
 * `client_secret_jwt` in client-assertion.ts. Exactly one method per request; the method used
 * must be the one the client registered, still offered by the OP, and — for a FAPI-CIBA client —
 * the registration must still meet the profile. Every failure is 401 `invalid_client`.
 */
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import { digest, matchesDigest } from './secrets.js';
import type { ClientRecord, ClientRepo } from '../store/ports.js';
import type { FormParams } from '../http/form.js';
import { authenticateByAssertion } from './client-assertion.js';
import { fapiMetadataProblem, isFapiClient } from './fapi.js';
import { unauthenticated } from './invalid-client.js';

interface Presented {
  method: 'client_secret_basic' | 'client_secret_post';
  clientId: string;
  secret: string;
}

/** RFC 6749 §2.3.1: both parts are form-urlencoded before Base64. */
function decodeBasicPart(part: string): string {
  return decodeURIComponent(part.replace(/\+/g, ' '));
}

function parseBasic(header: string): Presented {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match?.[1]) throw unauthenticated('malformed Basic authorization header');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw unauthenticated('malformed Basic authorization header');
  try {
    return {
      method: 'client_secret_basic',
      clientId: decodeBasicPart(decoded.slice(0, colon)),
      secret: decodeBasicPart(decoded.slice(colon + 1)),
    };
  } catch {
    throw unauthenticated('malformed Basic authorization header');
  }
}

function presentedCredentials(authorization: string | undefined, params: FormParams): Presented {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    if (bodySecret !== undefined) throw oauthError('invalid_request', 'more than one client authentication method was used');
    const basic = parseBasic(authorization);
    if (bodyId !== undefined && bodyId !== basic.clientId) {
      throw oauthError('invalid_request', 'client_id does not match the authenticated client');
    }
    return basic;
  }
  if (bodyId !== undefined && bodySecret !== undefined) {
    return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
  }
  throw unauthenticated('client authentication is required');
}

/** Spends the same digest work for unknown clients so timing does not reveal which ids exist. */
const DECOY_DIGEST = digest('decoy');

async function authenticateBySecret(
  clients: ClientRepo,
  authorization: string | undefined,
  params: FormParams,
  now: number,
): Promise<ClientRecord> {
  const presented = presentedCredentials(authorization, params);
  const client = await clients.get(presented.clientId);
  const secretOk = matchesDigest(presented.secret, client?.secretDigest ?? DECOY_DIGEST);
  if (!client || !secretOk || client.disabled) throw unauthenticated('client authentication failed');
  if (client.secretExpiresAt !== 0 && client.secretExpiresAt <= now) throw unauthenticated('client secret has expired');
  if (client.metadata.token_endpoint_auth_method !== presented.method) {
    throw unauthenticated(`client is registered for ${client.metadata.token_endpoint_auth_method}`);
  }
  return client;
}

/** A registration that was fine once may not be now: the OP dropped a method, or FAPI was switched on. */
function checkStanding(op: OpContext, client: ClientRecord): void {
  const method = client.metadata.token_endpoint_auth_method;
  if (!op.config.tokenEndpointAuthMethodsSupported.includes(method)) throw unauthenticated(`${method} is no longer offered by this OP`);
  const problem = isFapiClient(op.config, client.metadata) ? fapiMetadataProblem(client.metadata) : null;
  if (problem) throw unauthenticated(`the client registration does not meet the FAPI-CIBA profile: ${problem}`);
}

export async function authenticateClient(op: OpContext, authorization: string | undefined, params: FormParams): Promise<ClientRecord> {
  const byAssertion = params.has('client_assertion') || params.has('client_assertion_type');
  if (byAssertion && (params.has('client_secret') || /^basic /i.test(authorization ?? ''))) {
    throw oauthError('invalid_request', 'more than one client authentication method was used');
  }
  const client = byAssertion
    ? await authenticateByAssertion(op, params)
    : await authenticateBySecret(op.store.clients, authorization, params, op.now());
  checkStanding(op, client);
  return client;
}
