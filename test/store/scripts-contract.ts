/**
 * The script store part of the contract: versions, activation, error records, pruning, the
 * hot-reload revision and script secrets. Called from runStoreContract with its fresh store.
 */
import { describe, expect, it } from 'vitest';
import type { ScriptVersionRecord, Store } from '../../core/store/ports.js';
import { T0 } from './fixtures.js';

function version(name: string, hook = 'resolveLoginHint', at = T0): Omit<ScriptVersionRecord, 'version'> {
  return { name, hook, source: `// ${name}`, code: 'export {}', sourceMap: '{}', checksum: 'c'.repeat(64), author: 'tester', createdAt: at };
}

export function describeScriptRepos(store: () => Store): void {
  describe('scripts', () => {
    it('numbers pushes 1, 2, 3 and creates the script on first push, inactive', async () => {
      const s = store();
      const first = await s.scripts.addVersion(version('alpha'));
      const second = await s.scripts.addVersion(version('alpha', 'resolveLoginHint', T0 + 1));
      expect([first?.version, second?.version]).toEqual([1, 2]);
      expect(await s.scripts.get('alpha')).toMatchObject({ name: 'alpha', hook: 'resolveLoginHint', activeVersion: null, latestVersion: 2, errorCount: 0, lastError: null, quarantine: null });
      expect(await s.scripts.getVersion('alpha', 2)).toEqual({ ...version('alpha', 'resolveLoginHint', T0 + 1), version: 2 });
      expect(await s.scripts.getVersion('alpha', 3)).toBeNull();
      expect(await s.scripts.get('nope')).toBeNull();
    });

    it('gives 10 concurrent pushes 10 distinct numbers', async () => {
      const s = store();
      const pushed = await Promise.all(Array.from({ length: 10 }, () => s.scripts.addVersion(version('busy'))));
      expect(pushed.map((v) => v?.version).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect((await s.scripts.listVersions('busy')).map((v) => v.version)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    });

    it('keeps a name on its hook for life', async () => {
      const s = store();
      await s.scripts.addVersion(version('fixed', 'resolveLoginHint'));
      expect(await s.scripts.addVersion(version('fixed', 'notifyEndUser'))).toBeNull();
      expect((await s.scripts.get('fixed'))?.latestVersion).toBe(1);
    });

    it('activates, deactivates and clears a quarantine on activation', async () => {
      const s = store();
      await s.scripts.addVersion(version('act'));
      await s.scripts.recordQuarantine('act', 1, 'killed workers', T0 + 5);
      expect((await s.scripts.get('act'))?.quarantine).toEqual({ version: 1, reason: 'killed workers', at: T0 + 5 });
      expect(await s.scripts.setActive('act', 1, T0 + 6)).toMatchObject({ activeVersion: 1, quarantine: null, updatedAt: T0 + 6 });
      expect(await s.scripts.setActive('act', null, T0 + 7)).toMatchObject({ activeVersion: null });
      expect(await s.scripts.setActive('missing', 1, T0)).toBeNull();
    });

    it('counts errors and keeps the last one', async () => {
      const s = store();
      await s.scripts.addVersion(version('err'));
      await s.scripts.recordError('err', 1, 'first', T0 + 1);
      await s.scripts.recordError('err', 1, 'second', T0 + 2);
      expect(await s.scripts.get('err')).toMatchObject({ errorCount: 2, lastError: { version: 1, message: 'second', at: T0 + 2 } });
    });

    it('prunes the oldest versions beyond the limit, never the protected one', async () => {
      const s = store();
      for (let i = 0; i < 5; i += 1) await s.scripts.addVersion(version('hist'));
      expect(await s.scripts.prune('hist', 2, 1)).toBe(2);
      expect((await s.scripts.listVersions('hist')).map((v) => v.version)).toEqual([5, 4, 1]);
      expect(await s.scripts.prune('hist', 3, 1)).toBe(0);
    });

    it('lists scripts by name and bumps a shared revision', async () => {
      const s = store();
      await s.scripts.addVersion(version('b'));
      await s.scripts.addVersion(version('a'));
      expect((await s.scripts.list()).map((r) => r.name)).toEqual(['a', 'b']);
      const before = await s.scripts.revision();
      expect(await s.scripts.bumpRevision()).toBe(before + 1);
      expect(await s.scripts.revision()).toBe(before + 1);
    });
  });

  describe('script secrets', () => {
    it('sets, replaces, lists names, gets and deletes, scoped per script', async () => {
      const s = store();
      await s.scriptSecrets.set('one', 'key', 'sealed-1', T0);
      await s.scriptSecrets.set('one', 'key', 'sealed-2', T0 + 1);
      await s.scriptSecrets.set('one', 'another', 'sealed-3', T0);
      await s.scriptSecrets.set('two', 'key', 'sealed-4', T0);
      expect(await s.scriptSecrets.get('one', 'key')).toBe('sealed-2');
      expect(await s.scriptSecrets.get('two', 'key')).toBe('sealed-4');
      expect(await s.scriptSecrets.get('three', 'key')).toBeNull();
      expect(await s.scriptSecrets.list('one')).toEqual(['another', 'key']);
      expect(await s.scriptSecrets.delete('one', 'key')).toBe(true);
      expect(await s.scriptSecrets.delete('one', 'key')).toBe(false);
      expect(await s.scriptSecrets.list('one')).toEqual(['another']);
    });
  });
}
