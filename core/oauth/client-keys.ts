/**
 * What the OP checks a client's JWTs with (client assertions, request objects, login hint
 * tokens): for HMAC algorithms the client's secret (client_secret_jwt), for the others its
 * public keys — registered inline (`jwks`) or fetched from its `jwks_uri`. A client's secret is
 * kept sealed under the key-encryption key, and only when it authenticates with client_secret_jwt.
 */
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { seal, unseal } from '../crypto/sealed.js';
import type { ClientRecord } from '../store/ports.js';
import { KeysUnavailable, type RemoteJwksCache } from './jwks-fetch.js';

/** Inline key sets kept ready, by client; jose caches the keys it imported inside each set. */
const MAX_CACHED_CLIENTS = 1000;

export class ClientKeys {
  private readonly inline = new Map<string, { updatedAt: number; set: JWTVerifyGetKey }>();

  constructor(
    private readonly remote: RemoteJwksCache,
    private readonly kek: Uint8Array,
  ) {}

  sealSecret(secret: string): Promise<string> {
    return seal(secret, this.kek);
  }

  /** A key resolver for jose's jwtVerify that answers each JWT's alg with the right kind of key. */
  resolver(client: ClientRecord): JWTVerifyGetKey {
    return async (header, token) => {
      if (header.alg?.startsWith('HS')) return this.secretKey(client);
      return this.publicKeys(client)(header, token);
    };
  }

  private async secretKey(client: ClientRecord): Promise<Uint8Array> {
    if (client.sealedSecret === undefined) throw new KeysUnavailable('the client has no secret usable for HMAC (register client_secret_jwt)');
    return new TextEncoder().encode(await unseal(client.sealedSecret, this.kek));
  }

  private publicKeys(client: ClientRecord): JWTVerifyGetKey {
    const { jwks, jwks_uri } = client.metadata;
    if (jwks_uri !== undefined) return this.remote.forUri(jwks_uri);
    if (jwks === undefined) throw new KeysUnavailable('the client registered no public keys (jwks or jwks_uri)');
    const cached = this.inline.get(client.clientId);
    if (cached?.updatedAt === client.updatedAt) return cached.set;
    const set = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
    if (this.inline.size >= MAX_CACHED_CLIENTS) this.inline.delete(this.inline.keys().next().value as string);
    this.inline.set(client.clientId, { updatedAt: client.updatedAt, set });
    return set;
  }
}
