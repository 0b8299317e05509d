/** The embedded store on files: a restart keeps clients, users, keys and pending requests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { KeyEncryptionKeyError } from '../../core/oauth/keys.js';
import { basic, decideViaLink, postForm, startOp } from '../support/op.js';

describe('restart on the same data dir', () => {
  it('keeps clients, users, keys and pending requests', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ciba-restart-'));
    const first = await startOp({ dataDir });
    await first.createUser({ sub: 'frank', email: 'frank@example.com' });
    const reg = await fetch(`${first.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_types: ['urn:openid:params:grant-type:ciba'], backchannel_token_delivery_mode: 'poll' }),
    }).then((r) => r.json() as Promise<Record<string, string>>);
    const auth = basic(reg.client_id as string, reg.client_secret as string);
    const ack = await postForm(`${first.url}/bc-authorize`, { scope: 'openid', login_hint: 'frank@example.com' }, auth);
    const link = await first.linkFor(ack.body.auth_req_id as string);
    const jwksBefore = await (await fetch(`${first.url}/jwks`)).json();
    await first.close();

    const second = await startOp({ dataDir });
    try {
      // The link carries the first process's origin; the request behind it lives in the store.
      const relocated = link.replace(first.url, second.url);
      expect(await (await fetch(`${second.url}/jwks`)).json()).toEqual(jwksBefore);
      expect((await decideViaLink(relocated, 'approve')).status).toBe(200);
      const token = await postForm(`${second.url}/token`, { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: ack.body.auth_req_id as string }, auth);
      expect(token.status).toBe(200);
      const again = await postForm(`${second.url}/bc-authorize`, { scope: 'openid', login_hint: 'frank@example.com' }, auth);
      expect(again.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('refuses to start with a key-encryption key other than the one the keys were sealed with', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ciba-kek-'));
    const key = () => randomBytes(32).toString('base64url');
    const first = await startOp({ dataDir, config: { keys: { encryptionKey: key() } } });
    await first.close();
    const failure = await startOp({ dataDir, config: { keys: { encryptionKey: key() } } }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(KeyEncryptionKeyError);
    expect((failure as Error).message).toMatch(/cannot be decrypted: the key-encryption key differs/);
  });
});
