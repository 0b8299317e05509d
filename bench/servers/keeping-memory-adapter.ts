/**
 * oidc-provider storage for the bench: plain Maps that keep every record, expired ones
 * included, like our OP keeps expired auth requests to answer `expired_token` (oidc-provider's
 * bundled adapter is an LRU of 1000 entries and would evict under load). Nothing is copied on
 * the way in or out — the bundled adapter does not copy either. One instance per model.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

const records = new Map<string, AdapterPayload>();
const byUserCode = new Map<string, string>();
const byUid = new Map<string, string>();
/** grantId → keys of the tokens and requests of that grant, for revokeByGrantId. */
const byGrant = new Map<string, Set<string>>();

export class KeepingMemoryAdapter implements Adapter {
  constructor(private readonly model: string) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload): Promise<void> {
    const key = this.key(id);
    records.set(key, payload);
    if (payload.userCode) byUserCode.set(payload.userCode, id);
    if (payload.uid) byUid.set(payload.uid, id);
    if (payload.grantId) {
      let members = byGrant.get(payload.grantId);
      if (!members) byGrant.set(payload.grantId, (members = new Set()));
      members.add(key);
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return records.get(this.key(id));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = byUserCode.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = byUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const payload = records.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    records.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of byGrant.get(grantId) ?? []) records.delete(key);
    byGrant.delete(grantId);
  }
}
