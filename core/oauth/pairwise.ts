/**
 * Pairwise subject identifiers (OIDC Core §8.1): a client registered with `subject_type:
 * pairwise` sees each user under an identifier of its sector's own, so clients of different
 * sectors cannot link their users, while clients of one sector (one sector_identifier_uri, or
 * one host) see the same identifier.
 *
 * The identifier is an HMAC of sector and user under a key derived from the key-encryption key:
 * stable for as long as the deployment, unguessable without it. It cannot be inverted, so every
 * identifier handed out is remembered in the store, which is how an `id_token_hint` carrying one
 * leads back to the user.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { ClientMetadata, PairwiseSubjectRepo } from '../store/ports.js';

/**
 * The sector a pairwise client belongs to: the host of its sector_identifier_uri (whose content
 * registration checked), else of its notification endpoint, else of its jwks_uri (CIBA §4 offers
 * both for clients without redirect URIs). Null when it registered none of them.
 */
export function sectorHost(metadata: Pick<ClientMetadata, 'sector_identifier_uri' | 'backchannel_client_notification_endpoint' | 'jwks_uri'>): string | null {
  const source = metadata.sector_identifier_uri ?? metadata.backchannel_client_notification_endpoint ?? metadata.jwks_uri;
  return source === undefined ? null : new URL(source).host;
}

/** The sector whose identifiers this client sees, or null for a client of public subjects. */
function pairwiseSector(metadata: ClientMetadata): string | null {
  return metadata.subject_type === 'pairwise' ? sectorHost(metadata) : null;
}

export class PairwiseSubjects {
  private readonly key: Buffer;

  constructor(
    kek: Uint8Array,
    private readonly repo: PairwiseSubjectRepo,
    private readonly now: () => number,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', kek, new Uint8Array(0), 'ciba-op pairwise subject identifiers', 32));
  }

  private derive(sector: string, sub: string): string {
    return createHmac('sha256', this.key).update(sector).update('\0').update(sub).digest('base64url');
  }

  /** The `sub` a client sees for a user; a pairwise one is remembered before it is handed out. */
  async forClient(metadata: ClientMetadata, sub: string): Promise<string> {
    const sector = pairwiseSector(metadata);
    if (sector === null) return sub;
    const pairwiseSub = this.derive(sector, sub);
    await this.repo.remember({ sector, pairwiseSub, sub, createdAt: this.now() });
    return pairwiseSub;
  }

  /** The `sub` a client would see, without remembering it (for UserInfo, after tokens were minted). */
  peek(metadata: ClientMetadata, sub: string): string {
    const sector = pairwiseSector(metadata);
    return sector === null ? sub : this.derive(sector, sub);
  }

  /** The user's own sub behind a `sub` this client was given, or null when it names nobody. */
  async resolve(metadata: ClientMetadata, clientSub: string): Promise<string | null> {
    const sector = pairwiseSector(metadata);
    return sector === null ? clientSub : this.repo.find(sector, clientSub);
  }
}
