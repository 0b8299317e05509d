/**
 * BusyPoll keeps the event loop turning through a bounded window, and backs off after windows
 * that were not worth it. Driven by a hand-moved clock and real event-loop turns, so nothing
 * here depends on how fast the machine is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BusyPoll } from '../../core/sandbox/busy-poll.js';

/** Lets the event loop turn `n` times (each pending polling turn runs once per loop turn). */
async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Every poller a test made: the hand-moved clock never ends a window by itself. */
const made: BusyPoll[] = [];

function polled(windowUs = 200): { poll: BusyPoll; clock: { ms: number } } {
  const clock = { ms: 1000 };
  const poll = new BusyPoll(windowUs, () => clock.ms);
  made.push(poll);
  return { poll, clock };
}

afterEach(async () => {
  for (const poll of made.splice(0)) poll.release();
  await turns(2);
});

/**
 * Lets a window run out without its process being seen as preempted: the clock moves in steps
 * of a few µs, one per loop turn, the way it does while a loop polls.
 */
async function runOut(poll: BusyPoll, clock: { ms: number }): Promise<void> {
  for (let i = 0; i < 1000 && poll.active; i++) {
    clock.ms += 0.01;
    await turns(1);
  }
  expect(poll.active).toBe(false);
}

describe('BusyPoll', () => {
  it('does nothing with a window of 0', async () => {
    const { poll } = polled(0);
    expect(poll.hold()).toBe(false);
    await turns(1);
    expect(poll.active).toBe(false);
  });

  it('keeps the loop turning until its window ends, then lets it sleep', async () => {
    const { poll, clock } = polled(200);
    expect(poll.hold()).toBe(true);
    await turns(20);
    expect(poll.active).toBe(true);
    clock.ms += 0.15;
    poll.heard();
    await turns(3);
    expect(poll.active).toBe(true);
    await runOut(poll, clock);
  });

  it('stops at the next turn on release(), and a window that heard something costs no cool-down', async () => {
    const { poll } = polled(200);
    poll.hold();
    poll.heard();
    poll.release();
    await turns(2);
    expect(poll.active).toBe(false);
    expect(poll.hold()).toBe(true);
  });

  it('cools down after a window that heard nothing, doubling with each miss in a row', async () => {
    const { poll, clock } = polled(200);
    poll.hold();
    await runOut(poll, clock);
    // First miss: 1 ms.
    expect(poll.hold()).toBe(false);
    clock.ms += 1;
    expect(poll.hold()).toBe(true);
    await runOut(poll, clock);
    // Second miss in a row: 2 ms.
    clock.ms += 1.5;
    expect(poll.hold()).toBe(false);
    clock.ms += 0.5;
    expect(poll.hold()).toBe(true);
    // A hit forgives: the next miss cools down for 1 ms again.
    poll.heard();
    poll.hold();
    await runOut(poll, clock);
    clock.ms += 1;
    expect(poll.hold()).toBe(true);
  });

  it('stops as soon as a turn shows the process was preempted, and cools down', async () => {
    const { poll, clock } = polled(10_000);
    poll.hold();
    await turns(5);
    expect(poll.active).toBe(true);
    // 0.2 ms between two turns with nothing heard: something else had this CPU.
    clock.ms += 0.2;
    await turns(2);
    expect(poll.active).toBe(false);
    expect(poll.hold()).toBe(false);
  });

  it('does not count a turn spent handling a message as preemption', async () => {
    const { poll, clock } = polled(10_000);
    poll.hold();
    await turns(2);
    clock.ms += 0.2;
    poll.heard();
    await turns(2);
    expect(poll.active).toBe(true);
    poll.release();
    await turns(2);
    expect(poll.active).toBe(false);
  });
});
