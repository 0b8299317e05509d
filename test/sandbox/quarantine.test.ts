import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuarantineRecord, SandboxPool } from '../../core/sandbox/index.js';
import { hook, startPool, valueOf } from './support.js';

let pool: SandboxPool;
const quarantined: QuarantineRecord[] = [];

beforeAll(async () => {
  ({ pool } = await startPool({ quarantineAfterCrashes: 3 }));
  pool.on('quarantine', (record) => quarantined.push(record));
});

afterAll(async () => {
  await pool?.close();
});

async function allWorkersUp(): Promise<void> {
  while (!pool.stats().workers.every((worker) => worker.ready)) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('quarantine', () => {
  it('quarantines a version after it killed workers three times; other versions keep running', async () => {
    const killer = hook('killer', 3, "return 'ab'.repeat(2 ** 27).split('').length;");
    const fine = hook('fine', 1, 'return "fine";');
    for (let crash = 1; crash <= 3; crash++) {
      await allWorkersUp();
      expect(pool.isQuarantined('killer', 3)).toBeNull();
      expect(await pool.call(killer, {})).toMatchObject({ ok: false, error: { kind: 'crash' } });
      expect(valueOf(await pool.call(fine, {}))).toBe('fine');
    }
    const reason = 'killed or wedged sandbox workers 3 times within 600 s; last: its worker was killed by SIGTRAP';
    expect(pool.isQuarantined('killer', 3)).toEqual({ reason });
    expect(quarantined).toEqual([{ name: 'killer', version: 3, reason }]);
    expect(pool.stats().quarantined).toEqual([{ name: 'killer', version: 3, reason }]);

    const restarts = pool.stats().workerRestarts;
    const refused = await pool.call(killer, {});
    expect(refused).toMatchObject({ ok: false, error: { kind: 'quarantined', message: `killer@3: quarantined: ${reason}` } });
    expect(refused.durationUs).toBeLessThan(50_000);
    expect(pool.stats().workerRestarts).toBe(restarts);
    expect(pool.isQuarantined('killer', 4)).toBeNull();
    expect(pool.isQuarantined('fine', 1)).toBeNull();
    expect(valueOf(await pool.call(fine, {}))).toBe('fine');
  });
});
