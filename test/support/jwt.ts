/**
 * What an RP does with JOSE, done with `jose` for tests: generate keys, publish them as a JWK
 * Set, sign client assertions, request objects and login hint tokens. A claim overridden with
 * `undefined` is left out, so each test names only the rule it breaks.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export interface TestKey {
  alg: string;
  kid: string;
  /** Imported for whatever alg a JWT's header names, so one RSA key can sign RS256 and PS256. */
  privateJwk: JWK;
  publicJwk: JWK;
}

export type Claims = Record<string, unknown>;

export const nowSec = (): number => Math.floor(Date.now() / 1000);

/** A fresh key pair; `alg` is left out of the public JWK so an RSA key can sign RS256 and PS256 alike. */
export async function testKey(alg = 'ES256', kid: string = randomUUID()): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { modulusLength: 2048, extractable: true });
  return { alg, kid, privateJwk: await exportJWK(privateKey), publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig' } };
}

export function jwksOf(...keys: TestKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

function merged(base: Claims, overrides: Claims): Claims {
  const out: Claims = { ...base, ...overrides };
  for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete out[name];
  return out;
}

/** Signs `claims` with `key` (its own alg unless the header says otherwise); `key` may be a shared secret for HS*. */
export async function signJwt(key: TestKey | { alg: string; secret: string }, claims: Claims, header: Claims = {}): Promise<string> {
  const protectedHeader = { alg: key.alg, ...('secret' in key ? {} : { kid: key.kid }), ...header } as { alg: string };
  const signingKey = 'secret' in key ? new TextEncoder().encode(key.secret) : await importJWK(key.privateJwk, protectedHeader.alg);
  return new SignJWT(claims).setProtectedHeader(protectedHeader).sign(signingKey);
}

/** RFC 7523 client assertion: iss = sub = client, a fresh jti, one minute of life. */
export function clientAssertion(key: TestKey | { alg: string; secret: string }, clientId: string, aud: string | string[], overrides: Claims = {}, header: Claims = {}): Promise<string> {
  const iat = nowSec();
  return signJwt(key, merged({ iss: clientId, sub: clientId, aud, jti: randomUUID(), iat, exp: iat + 60 }, overrides), header);
}

/** CIBA §7.1.1 request object carrying `params`, valid for five minutes. */
export function requestObject(key: TestKey, clientId: string, issuer: string, params: Claims, overrides: Claims = {}, header: Claims = {}): Promise<string> {
  const iat = nowSec();
  return signJwt(key, merged({ iss: clientId, aud: issuer, iat, nbf: iat, exp: iat + 300, jti: randomUUID(), ...params }, overrides), header);
}

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
