/**
 * Secrets at rest (private signing keys, script secrets): sealed as a compact JWE, `dir` +
 * A256GCM under the key-encryption key, so the store alone never reveals them.
 */
import { CompactEncrypt, compactDecrypt } from 'jose';

export class UnsealError extends Error {}

export async function seal(plaintext: string, kek: Uint8Array, kid?: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', ...(kid ? { kid } : {}) })
    .encrypt(kek);
}

export async function unseal(sealed: string, kek: Uint8Array): Promise<string> {
  try {
    const { plaintext } = await compactDecrypt(sealed, kek);
    return new TextDecoder().decode(plaintext);
  } catch {
    throw new UnsealError('cannot be decrypted: the key-encryption key differs from the one it was sealed with');
  }
}
