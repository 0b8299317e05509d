/**
 * The store contract for signed requests and JWT client authentication (used jtis) and for
 * pairwise subjects. Registered by runStoreContract, so it runs against every adapter.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../core/store/ports.js';
import { MINUTE, T0, uid } from './fixtures.js';

export function runOAuthStoreContract(current: () => Store): void {
  describe('jtis', () => {
    it('accepts a jti once, refuses it while unexpired, and lets other keys through', async () => {
      const { jtis } = current();
      const key = uid('jti');
      expect(await jtis.use(key, T0 + MINUTE, T0)).toBe(true);
      expect(await jtis.use(key, T0 + MINUTE, T0 + 1)).toBe(false);
      expect(await jtis.use(key, T0 + 5 * MINUTE, T0 + MINUTE - 1)).toBe(false);
      expect(await jtis.use(uid('jti'), T0 + MINUTE, T0)).toBe(true);
    });

    it('lets exactly one of 20 racing first uses win', async () => {
      const { jtis } = current();
      const key = uid('jti');
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => jtis.use(key, T0 + MINUTE, T0 + i)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('takes over an entry once it has expired, for one racer only', async () => {
      const { jtis } = current();
      const key = uid('jti');
      expect(await jtis.use(key, T0 + MINUTE, T0)).toBe(true);
      const results = await Promise.all(Array.from({ length: 10 }, () => jtis.use(key, T0 + 3 * MINUTE, T0 + MINUTE)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await jtis.use(key, T0 + 9 * MINUTE, T0 + 2 * MINUTE)).toBe(false);
    });

    it('purges only entries that expired before now', async () => {
      const { jtis } = current();
      const gone = uid('jti');
      const boundary = uid('jti');
      await jtis.use(gone, T0 + MINUTE, T0);
      await jtis.use(boundary, T0 + 2 * MINUTE, T0);
      expect(await jtis.purge(T0 + 2 * MINUTE)).toBe(1);
      expect(await jtis.use(gone, T0 + 5 * MINUTE, T0 + 2 * MINUTE - 1)).toBe(true);
      expect(await jtis.use(boundary, T0 + 5 * MINUTE, T0 + 2 * MINUTE - 1)).toBe(false);
    });
  });

  describe('pairwise subjects', () => {
    it('remembers which user a pairwise sub names, per sector, idempotently', async () => {
      const { pairwiseSubjects } = current();
      const record = { sector: 'rp.example', pairwiseSub: uid('ppid'), sub: uid('user'), createdAt: T0 };
      expect(await pairwiseSubjects.find(record.sector, record.pairwiseSub)).toBeNull();
      await pairwiseSubjects.remember(record);
      await pairwiseSubjects.remember({ ...record, createdAt: T0 + 1 });
      expect(await pairwiseSubjects.find(record.sector, record.pairwiseSub)).toBe(record.sub);
      expect(await pairwiseSubjects.find('other.example', record.pairwiseSub)).toBeNull();
      await Promise.all(Array.from({ length: 5 }, () => pairwiseSubjects.remember(record)));
      expect(await pairwiseSubjects.find(record.sector, record.pairwiseSub)).toBe(record.sub);
    });
  });
}
