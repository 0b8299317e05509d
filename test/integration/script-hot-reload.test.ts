/**
 * Activations reach other OP processes: a second registry on the same store (standing in for
 * another process, which on MongoDB shares the database) picks up an activation made through
 * the first one's service within one polling interval, and retires the version it replaced.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStore } from '../../core/store/index.js';
import type { Store } from '../../core/store/ports.js';
import { ScriptRegistry } from '../../core/scripts/registry.js';
import { compileScript } from '../../core/sandbox/index.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

describe('hot reload across processes by revision polling', () => {
  let store: Store;
  beforeAll(async () => {
    store = createStore({ type: 'embedded', inMemory: true });
    await store.init();
  });
  afterAll(() => store.close());

  async function pushAndActivate(source: string): Promise<number> {
    const compiled = compileScript('remote', 0, source);
    const version = await store.scripts.addVersion({ name: 'remote', hook: 'validateBindingMessage', source, ...compiled, author: 'elsewhere', createdAt: Date.now() });
    await store.scripts.setActive('remote', version!.version, Date.now());
    await store.scripts.bumpRevision();
    return version!.version;
  }

  it('sees a new active version within the interval and retires the old one', async () => {
    const retired: string[] = [];
    const other = new ScriptRegistry(store.scripts, { retire: async (n, v) => void retired.push(`${n}@${v}`) }, silent);
    await other.watch(1);
    try {
      expect(other.activeFor('validateBindingMessage')).toBeUndefined();
      const v1 = await pushAndActivate('export async function validateBindingMessage() { return { ok: true }; }');
      await vi.waitFor(() => expect(other.activeFor('validateBindingMessage')?.version).toBe(v1), { timeout: 3000, interval: 50 });
      const v2 = await pushAndActivate('export async function validateBindingMessage() { return { ok: true as const }; }');
      await vi.waitFor(() => expect(other.activeFor('validateBindingMessage')?.version).toBe(v2), { timeout: 3000, interval: 50 });
      expect(retired).toEqual([`remote@${v1}`]);
      await store.scripts.setActive('remote', null, Date.now());
      await store.scripts.bumpRevision();
      await vi.waitFor(() => expect(other.activeFor('validateBindingMessage')).toBeUndefined(), { timeout: 3000, interval: 50 });
    } finally {
      await other.close();
    }
  });
});
