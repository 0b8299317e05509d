/**
 * `id_token_hint` (CIBA §7.1): an ID token this OP issued — signed with one of its keys still
 * published in the JWKS (so also a key rotated out since), `iss` this OP, `aud` naming the
 * requesting client. An expired one stays acceptable for `idTokenHintGracePeriodSec`: the client
 * may well hold an ID token from a while ago. Its `sub` is the one that client was given, so a
 * pairwise one is mapped back to the user.
 */
import { createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import type { ClientRecord } from '../store/ports.js';
import { CLOCK_SKEW_SEC, jwtProblem } from './jwt-errors.js';

/** The published JWKS object is replaced whenever keys change, which retires its key set here too. */
const keySets = new WeakMap<object, JWTVerifyGetKey>();

function publishedKeys(op: OpContext): JWTVerifyGetKey {
  const jwks = op.keys.publicJwks;
  let set = keySets.get(jwks);
  if (!set) {
    set = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
    keySets.set(jwks, set);
  }
  return set;
}

/** The user's own sub, or null when the token is fine but names nobody this client knows. */
export async function userOfIdTokenHint(op: OpContext, client: ClientRecord, token: string): Promise<string | null> {
  let sub: unknown;
  try {
    const { payload } = await jwtVerify(token, publishedKeys(op), {
      issuer: op.config.issuer,
      audience: client.clientId,
      algorithms: op.keys.algorithms,
      requiredClaims: ['sub', 'exp'],
      // Only exp is ever late here: the OP puts no nbf in ID tokens.
      clockTolerance: op.config.idTokenHintGracePeriodSec + CLOCK_SKEW_SEC,
      currentDate: new Date(op.now()),
    });
    sub = payload.sub;
  } catch (err) {
    const expected = { iss: `must be this OP, ${op.config.issuer}`, aud: `must contain the client_id ${client.clientId}` };
    throw oauthError('invalid_request', `id_token_hint ${jwtProblem(err, expected)}`);
  }
  return op.subjects.resolve(client.metadata, sub as string);
}
