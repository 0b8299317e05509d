/**
 * Signing keys: one active key per configured algorithm, generated on first start, kept in the
 * store with the private part encrypted (JWE, dir + A256GCM) under a key-encryption key,
 * published as JWKS, rotated on demand. Private keys are held in memory as KeyObjects and never
 * serialised anywhere else.
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

async function generateRecord(alg: SigningAlg, kek: Uint8Array, now: number): Promise<KeyRecord> {
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
  return record;
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

/** A key as operators see it (admin API, CLI): no key material. */
export interface KeyInfo {
  kid: string;
  alg: string;
  status: KeyRecord['status'];
  createdAt: number;
  retireAt: number | null;
  /** In the JWKS now. */
  published: boolean;
  /** Signs new tokens in this process. */
  signing: boolean;
}

export interface Rotation {
  alg: SigningAlg;
  /** The new key, which signs from now on. */
  kid: string;
  /** The keys it replaced: published until `retireAt`, then gone from the JWKS. */
  retired: Array<{ kid: string; retireAt: number }>;
}

/** The newest active key of an algorithm signs; after racing rotations an older active one is only published. */
function newestActive(records: readonly KeyRecord[], alg: SigningAlg): KeyRecord | undefined {
  return records.filter((r) => r.alg === alg && r.status === 'active').sort((a, b) => b.createdAt - a.createdAt || b.kid.localeCompare(a.kid))[0];
}

function isPublished(record: KeyRecord, now: number): boolean {
  return record.status === 'active' || (record.retireAt !== null && record.retireAt > now);
}

/**
 * The signing keys of this process. Rotation (in any process) adds a new key per algorithm that
 * signs from then on and retires the old ones: they stay in the JWKS until the tokens they
 * signed have expired, then leave it. Every process re-reads the store periodically (`refresh`),
 * which is how it learns of rotations elsewhere and drops keys whose time is up.
 */
export class KeyRing {
  private signers = new Map<SigningAlg, LoadedKey>();
  private records: KeyRecord[] = [];
  private jwks: { keys: Record<string, unknown>[] } = { keys: [] };

  private constructor(
    private readonly repo: KeyRepo,
    private readonly configured: readonly SigningAlg[],
    private readonly kek: Uint8Array,
  ) {}

  /** Loads the active key of each algorithm, generating what is missing. */
  static async open(repo: KeyRepo, algorithms: readonly SigningAlg[], kek: Uint8Array, now = Date.now()): Promise<KeyRing> {
    const ring = new KeyRing(repo, algorithms, kek);
    const records = await repo.list();
    for (const alg of algorithms) {
      if (newestActive(records, alg)) continue;
      const record = await generateRecord(alg, kek, now);
      await repo.create(record);
      records.push(record);
    }
    await ring.load(records, now);
    return ring;
  }

  /** Re-reads the keys: rotations by other processes, retired keys whose time in the JWKS is up. */
  async refresh(now: number): Promise<void> {
    await this.load(await this.repo.list(), now);
  }

  /** Refreshes every `intervalSec` until stopped; a failure is logged and retried at the next tick. */
  keepFresh(intervalSec: number, now: () => number, log: { error(obj: object, msg: string): void }): { stop(): void } {
    const timer = setInterval(() => {
      this.refresh(now()).catch((err: unknown) => log.error({ err }, 'refreshing the signing keys failed'));
    }, intervalSec * 1000);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  /**
   * A new key for each of `algorithms` signs from `now` on; the active keys it replaces are
   * retired, published for `publishRetiredSec` more so the tokens they signed still verify.
   */
  async rotate(algorithms: readonly SigningAlg[], now: number, publishRetiredSec: number): Promise<Rotation[]> {
    const rotations: Rotation[] = [];
    const retireAt = now + publishRetiredSec * 1000;
    for (const alg of algorithms) {
      const record = await generateRecord(alg, this.kek, now);
      await this.repo.create(record);
      const replaced = (await this.repo.list()).filter((r) => r.alg === alg && r.status === 'active' && r.kid !== record.kid);
      const retired: Rotation['retired'] = [];
      for (const old of replaced) {
        if (await this.repo.update(old.kid, { status: 'retired', retireAt })) retired.push({ kid: old.kid, retireAt });
      }
      rotations.push({ alg, kid: record.kid, retired });
    }
    await this.refresh(now);
    return rotations;
  }

  private async load(records: KeyRecord[], now: number): Promise<void> {
    const signers = new Map<SigningAlg, LoadedKey>();
    for (const alg of this.configured) {
      const active = newestActive(records, alg);
      if (!active) throw new Error(`no active ${alg} signing key in the store`);
      const current = this.signers.get(alg);
      signers.set(alg, current?.kid === active.kid ? current : await decryptRecord(active, this.kek));
    }
    this.signers = signers;
    this.records = records;
    this.publish(records, now);
  }

  private publish(records: KeyRecord[], now: number): void {
    // A stable order keeps the JWKS byte-identical across restarts (caches, ETags, diffs).
    const visible = records
      .filter((r) => isPublished(r, now))
      .sort((a, b) => a.createdAt - b.createdAt || a.kid.localeCompare(b.kid));
    this.jwks = { keys: visible.map((r) => r.publicJwk) };
  }

  get publicJwks(): { keys: Record<string, unknown>[] } {
    return this.jwks;
  }

  get algorithms(): SigningAlg[] {
    return [...this.signers.keys()];
  }

  /** Every configured algorithm has a key to sign with (readiness). */
  get loaded(): boolean {
    return this.configured.every((alg) => this.signers.has(alg));
  }

  describe(now: number): KeyInfo[] {
    const signing = new Set([...this.signers.values()].map((k) => k.kid));
    return this.records.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      status: r.status,
      createdAt: r.createdAt,
      retireAt: r.retireAt,
      published: isPublished(r, now),
      signing: signing.has(r.kid),
    }));
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
