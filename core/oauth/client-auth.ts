/**
 * Client authentication for every endpoint that authenticates clients (token, bc-authorize):
 * `client_secret_basic` and `client_secret_post` (RFC 6749 §2.3.1). Exactly one method per
 * request; the method used must be the one the client registered. Every failure is 401
 * `invalid_client`, with `WWW-Authenticate: Basic` so HTTP clients know how to retry.
 */
import { oauthError, type OAuthError } from '../errors.js';
import { digest, matchesDigest } from './secrets.js';
import type { ClientRecord, ClientRepo } from '../store/ports.js';
import type { FormParams } from '../http/form.js';

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="ciba-op", charset="UTF-8"' };

function unauthenticated(description: string): OAuthError {
  return oauthError('invalid_client', description, CHALLENGE);
}

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
  if (params.get('client_assertion') !== undefined || params.get('client_assertion_type') !== undefined) {
    throw unauthenticated('JWT client authentication is not supported by this OP yet');
  }
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

export async function authenticateClient(
  clients: ClientRepo,
  authorization: string | undefined,
  params: FormParams,
  now = Date.now(),
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
