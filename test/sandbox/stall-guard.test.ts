import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StallGuard } from '../../core/sandbox/stall-guard.js';

describe('the stall guard', () => {
  const threads: Worker[] = [];
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((thread) => thread.terminate()));
  });

  it('replaces a guard thread that fails, three times at most, instead of letting it kill the worker', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const guard = new StallGuard(1000);
      const threadOf = () => (guard as unknown as { thread: Worker }).thread;
      for (let i = 0; i < 3; i++) {
        const failing = threadOf();
        threads.push(failing);
        failing.emit('error', new Error('guard heap exhausted'));
        expect(threadOf()).not.toBe(failing);
      }
      const last = threadOf();
      threads.push(last);
      last.emit('error', new Error('again'));
      expect(threadOf()).toBe(last);
      expect(stderr.mock.calls.map(([line]) => String(line))).toEqual([
        ...Array<string>(3).fill('sandbox stall guard failed (guard heap exhausted); replacing it\n'),
        'sandbox stall guard failed (again); carrying on without one\n',
      ]);
    } finally {
      stderr.mockRestore();
    }
  });
});
