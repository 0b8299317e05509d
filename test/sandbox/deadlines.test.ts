/** The supervisor's call deadlines behind one timer: each fires on time, once, and only if still pending. */
import { describe, expect, it } from 'vitest';
import { Deadlines } from '../../core/sandbox/deadlines.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function recorder(): { deadlines: Deadlines<string>; fired: Array<{ item: string; at: number }>; start: number } {
  const fired: Array<{ item: string; at: number }> = [];
  const start = performance.now();
  const deadlines = new Deadlines<string>((item) => fired.push({ item, at: performance.now() - start }));
  return { deadlines, fired, start };
}

describe('Deadlines', () => {
  it('hands each item over once, no earlier than its deadline, in deadline order', async () => {
    const { deadlines, fired } = recorder();
    deadlines.add('late', 120);
    deadlines.add('early', 40);
    deadlines.add('middle', 80);
    await sleep(200);
    expect(fired.map((f) => f.item)).toEqual(['early', 'middle', 'late']);
    const at = Object.fromEntries(fired.map((f) => [f.item, f.at]));
    // Node's timers may fire up to a millisecond early against performance.now().
    expect(at.early).toBeGreaterThanOrEqual(39);
    expect(at.middle).toBeGreaterThanOrEqual(79);
    expect(at.late).toBeGreaterThanOrEqual(119);
  });

  it('never hands over an item deleted before its deadline', async () => {
    const { deadlines, fired } = recorder();
    deadlines.add('done', 30);
    deadlines.add('stuck', 60);
    deadlines.delete('done');
    await sleep(120);
    expect(fired.map((f) => f.item)).toEqual(['stuck']);
  });

  it('moves the timer forward for a deadline sooner than the armed one', async () => {
    const { deadlines, fired } = recorder();
    deadlines.add('far', 5_000);
    deadlines.add('near', 30);
    await sleep(100);
    expect(fired.map((f) => f.item)).toEqual(['near']);
    deadlines.delete('far');
  });

  it('does not hand over an item that handing over an earlier one ended', async () => {
    const fired: string[] = [];
    const deadlines: Deadlines<string> = new Deadlines<string>((item) => {
      fired.push(item);
      deadlines.delete(item === 'a' ? 'b' : 'a');
    });
    deadlines.add('a', 20);
    deadlines.add('b', 20);
    await sleep(80);
    expect(fired).toEqual(['a']);
  });

  it('hands over together the items due at the same time', async () => {
    const { deadlines, fired } = recorder();
    for (const item of ['a', 'b', 'c']) deadlines.add(item, 20);
    await sleep(80);
    expect(fired.map((f) => f.item).sort()).toEqual(['a', 'b', 'c']);
  });
});
