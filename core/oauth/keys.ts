/**
 * Signing keys: one per configured algorithm, generated on first start, kept in the store with
 * the private part encrypted (JWE, dir + A256GCM) under a key-encryption key, published as JWKS.
 * Private keys are held in memory as KeyObjects and never serialised anywhere else.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
  type JWTPayload,
  type CryptoKey,
} from 'jose';
import type { KeyRecord, KeyRepo } from '../store/ports.js';
import { seal, unseal, UnsealError } from '../crypto/sealed.js';

export type SigningAlg = 'RS256' | 'PS256' | 'ES256';

interface LoadedKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
}

export class KeyEncryptionKeyError extends Error {}

/**
 * The key-encryption key: from config/env when given (required for MongoDB, where every process
 * must share it); otherwise a key file created once in the embedded data dir; an in-memory store
 * gets a fresh key per process because its keys die with it anyway.
 */
export function resolveKeyEncryptionKey(options: {
  configured: string | null;
  storeType: 'embedded' | 'mongo';
  inMemory: boolean;
  dataDir: string;
}): Uint8Array {
  if (options.configured) return Buffer.from(options.configured, 'base64url');
  if (options.storeType === 'mongo') {
    throw new KeyEncryptionKeyError(
      'keys.encryptionKey: is required with the mongo store (set CIBA_OP_KEY_ENCRYPTION_KEY to 32 random bytes, base64url) so every process can read the signing keys',
    );
  }
  if (options.inMemory) return randomBytes(32);
  const file = join(options.dataDir, 'key-encryption.key');
  if (!existsSync(file)) {
    mkdirSync(options.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
}

async function generateRecord(alg: SigningAlg, kek: Uint8Array, now: number): Promise<{ record: KeyRecord; loaded: LoadedKey }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  const encryptedPrivateJwk = await seal(JSON.stringify(privateJwk), kek, kid);
  const record: KeyRecord = {
    kid,
    alg,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    encryptedPrivateJwk,
    createdAt: now,
    status: 'active',
    retireAt: null,
  };
  return { record, loaded: { kid, alg, privateKey: privateKey as CryptoKey } };
}

async function decryptRecord(record: KeyRecord, kek: Uint8Array): Promise<LoadedKey> {
  let plaintext: string;
  try {
    plaintext = await unseal(record.encryptedPrivateJwk, kek);
  } catch (err) {
    if (err instanceof UnsealError) throw new KeyEncryptionKeyError(`signing key ${record.kid} ${err.message}`);
    throw err;
  }
  const jwk = JSON.parse(plaintext) as JWK;
  const privateKey = (await importJWK(jwk, record.alg)) as CryptoKey;
  return { kid: record.kid, alg: record.alg as SigningAlg, privateKey };
}

export class KeyRing {
  private readonly signers = new Map<SigningAlg, LoadedKey>();
  private jwks: { keys: Record<string, unknown>[] } = { keys: [] };


  /** Loads the active key of each algorithm, generating what is missing. */
  static async open(repo: KeyRepo, algorithms: readonly SigningAlg[], kek: Uint8Array, now = Date.now()): Promise<KeyRing> {
    const ring = new KeyRing();
    const records = await repo.list();
    for (const alg of algorithms) {
      const existing = records
        .filter((r) => r.alg === alg && r.status === 'active')
        .sort((a, b) => b.createdAt - a.createdAt)[0];
      if (existing) {
        ring.signers.set(alg, await decryptRecord(existing, kek));
      } else {
        const { record, loaded } = await generateRecord(alg, kek, now);
        await repo.create(record);
        records.push(record);
        ring.signers.set(alg, loaded);
      }
    }
    ring.publish(records, now);
    return ring;
  }

  private publish(records: KeyRecord[], now: number): void {
    // A stable order keeps the JWKS byte-identical across restarts (caches, ETags, diffs).
    const visible = records
      .filter((r) => r.status === 'active' || (r.retireAt !== null && r.retireAt > now))
      .sort((a, b) => a.createdAt - b.createdAt || a.kid.localeCompare(b.kid));
    this.jwks = { keys: visible.map((r) => r.publicJwk) };
  }

  get publicJwks(): { keys: Record<string, unknown>[] } {
    return this.jwks;
  }

  get algorithms(): SigningAlg[] {
    return [...this.signers.keys()];
  }

  supports(alg: string): alg is SigningAlg {
    return this.signers.has(alg as SigningAlg);
  }

  async sign(alg: SigningAlg, payload: JWTPayload, typ = 'JWT'): Promise<string> {
    const key = this.signers.get(alg);
    if (!key) throw new Error(`no signing key for ${alg}`);
    return new SignJWT(payload).setProtectedHeader({ alg, kid: key.kid, typ }).sign(key.privateKey);
  }
}
