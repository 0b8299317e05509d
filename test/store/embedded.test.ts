import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../core/store/index.js';
import type { Store } from '../../core/store/ports.js';
import { runStoreContract } from './contract.js';
import { userRecord } from './fixtures.js';

async function opened(store: Store): Promise<Store> {
  await store.init();
  return store;
}

runStoreContract(
  'embedded, in memory',
  () => opened(createStore({ type: 'embedded', inMemory: true })),
  async () => undefined,
);

const root = mkdtempSync(join(tmpdir(), 'ciba-op-store-'));
let made = 0;
const currentDir = () => join(root, String(made));

runStoreContract(
  'embedded, on files',
  () => {
    made += 1;
    return opened(createStore({ type: 'embedded', dataDir: currentDir() }));
  },
  async () => rmSync(root, { recursive: true, force: true }),
  () => opened(createStore({ type: 'embedded', dataDir: currentDir() })),
);

describe('embedded store files', () => {
  it('keeps one file per collection in dataDir, and none in memory mode', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ciba-op-store-'));
    try {
      const store = await opened(createStore({ type: 'embedded', dataDir }));
      await store.users.create(userRecord());
      await store.close();
      for (const name of ['clients', 'users', 'authRequests', 'tokens', 'keys']) {
        expect(existsSync(join(dataDir, `${name}.db`)), name).toBe(true);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('needs a dataDir unless in memory', () => {
    expect(() => createStore({ type: 'embedded' })).toThrow(/dataDir/);
  });
});
