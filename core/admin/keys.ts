/**
 * Signing keys for operators: list them, rotate. A rotation's retired keys stay in the JWKS
 * for `keys.retiredKeyPublishSec` (default: the ID token lifetime, the longest-lived token the
 * keys sign), so every token signed before the rotation still verifies until it expires.
 */
import { oauthError } from '../errors.js';
import type { OpContext } from '../context.js';
import type { KeyInfo, Rotation, SigningAlg } from '../oauth/keys.js';

export function retiredKeyPublishSec(op: OpContext): number {
  return op.config.keys.retiredKeyPublishSec ?? op.config.tokens.idTokenLifetimeSec;
}

export async function listKeys(op: OpContext): Promise<KeyInfo[]> {
  await op.keys.refresh(op.now());
  return op.keys.describe(op.now());
}

/** Rotates the given algorithms, or every configured one. */
export async function rotateKeys(op: OpContext, algorithms: readonly string[] | undefined): Promise<Rotation[]> {
  const configured = op.config.keys.algorithms;
  const chosen = algorithms ?? configured;
  const unknown = chosen.filter((alg) => !configured.includes(alg as SigningAlg));
  if (unknown.length) throw oauthError('invalid_request', `not a configured signing algorithm: ${unknown.join(', ')}`);
  return op.keys.rotate(chosen as SigningAlg[], op.now(), retiredKeyPublishSec(op));
}
