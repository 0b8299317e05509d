/**
 * Micro-benchmark of the embedded store alone (no HTTP): auth requests created, read and
 * transitioned per second, and the memory 100k pending auth requests hold.
 *
 *   node --expose-gc --import tsx bench/store-micro.ts [inMemory|files] [count]
 *
 * Numbers from a shared machine are only comparable within one run of before and after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createStore } from '../core/store/index.js';
import type { AuthRequestRecord } from '../core/store/ports.js';
import { authRequestRecord } from '../test/store/fixtures.js';

const mode = process.argv[2] ?? 'inMemory';
const count = Number(process.argv[3] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;

/** The store contract's auth request, with distinct times as requests arriving over a while have. */
function record(i: number, now: number): AuthRequestRecord {
  return authRequestRecord({
    id: randomBytes(32).toString('base64url'),
    clientId: `client-${i % 10}`,
    sub: `user-${i % 1000}`,
    createdAt: now + i,
    expiresAt: now + i + 600_000,
    purgeAt: now + i + 780_000,
    linkHash: randomBytes(32).toString('base64url'),
  });
}

function heap(): { rss: number; heapUsed: number } {
  gc?.();
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

async function main(): Promise<void> {
  const dir = mode === 'files' ? mkdtempSync(join(tmpdir(), 'store-micro-')) : undefined;
  const store = createStore(dir ? { type: 'embedded', dataDir: dir } : { type: 'embedded', inMemory: true });
  await store.init();
  const now = Date.now();
  const records = Array.from({ length: count }, (_, i) => record(i, now));
  const before = heap();

  // Concurrency like a server's: batches of 100 requests in flight at once.
  const BATCH = 100;
  let t = performance.now();
  for (let i = 0; i < count; i += BATCH) {
    await Promise.all(records.slice(i, i + BATCH).map((r) => store.authRequests.create(r)));
  }
  const createMs = performance.now() - t;
  console.log(`create ${Math.round(createMs)} ms`);
  const after = heap();

  t = performance.now();
  for (let i = 0; i < count; i += BATCH) {
    await Promise.all(records.slice(i, i + BATCH).map((r) => store.authRequests.get(r.id)));
  }
  const getMs = performance.now() - t;
  console.log(`get ${Math.round(getMs)} ms`);

  t = performance.now();
  for (let i = 0; i < count; i += BATCH) {
    await Promise.all(records.slice(i, i + BATCH).map((r) => store.authRequests.registerPoll(r.id, now + 1000, 5)));
  }
  const pollMs = performance.now() - t;
  console.log(`poll ${Math.round(pollMs)} ms`);

  t = performance.now();
  for (let i = 0; i < count; i += BATCH) {
    await Promise.all(
      records.slice(i, i + BATCH).map((r) => store.authRequests.transition(r.id, ['pending'], 'approved', { decidedAt: now, authTime: now, acr: null, amr: ['pwd'] }, now)),
    );
  }
  const transitionMs = performance.now() - t;

  // The background jobs' scans, warm (they run every few seconds): the best of five.
  const best = async (run: () => Promise<unknown>) => {
    let min = Infinity;
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await run();
      min = Math.min(min, performance.now() - start);
    }
    return min;
  };
  const scanMs = await best(() => store.authRequests.findExpiredPending(now + 700_000, 100));
  const expired = await store.authRequests.findExpiredPending(now + 700_000, 100);
  // Timed once: a purge after the first finds nothing left to purge.
  const purgeStart = performance.now();
  const purged = await store.authRequests.purge(now);
  const purgeMs = performance.now() - purgeStart;

  const perSec = (ms: number) => Math.round((count / ms) * 1000).toLocaleString('en');
  console.log(`mode=${mode} count=${count}`);
  console.log(`create      ${perSec(createMs)}/s`);
  console.log(`get         ${perSec(getMs)}/s`);
  console.log(`registerPoll ${perSec(pollMs)}/s`);
  console.log(`transition  ${perSec(transitionMs)}/s`);
  console.log(`insert+get+transition ${Math.round((count / (createMs + getMs + transitionMs)) * 1000).toLocaleString('en')} requests/s`);
  console.log(`findExpiredPending over ${count} (${expired.length} found): ${scanMs.toFixed(1)} ms; purge of ${purged} due: ${purgeMs.toFixed(1)} ms (one run)`);
  console.log(
    `memory for ${count} pending requests: rss +${((after.rss - before.rss) / 1e6).toFixed(1)} MB, heap +${((after.heapUsed - before.heapUsed) / 1e6).toFixed(1)} MB` +
      ` (${Math.round((after.heapUsed - before.heapUsed) / count)} B heap per request)`,
  );
  // The outbox draining a backlog: claims of 10 due entries, each completed, until empty.
  const backlog = Math.min(count, 10_000);
  await store.outbox.enqueue(
    Array.from({ length: backlog }, (_, i) => ({
      id: `cb-${i}`,
      clientId: 'client-1',
      mode: 'ping' as const,
      status: 'queued' as const,
      attempts: 0,
      nextAttemptAt: now - backlog + i,
      leaseOwner: null,
      leaseExpiresAt: 0,
      deadline: now + 600_000,
      sealedPayload: null,
      grantId: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    })),
  );
  t = performance.now();
  let drained = 0;
  for (;;) {
    const claimed = await store.outbox.claimDue(`owner-${drained}`, now, now + 30_000, 10);
    if (claimed.length === 0) break;
    await Promise.all(claimed.map((e) => store.outbox.complete(e.id, e.leaseOwner!)));
    drained += claimed.length;
  }
  const drainMs = performance.now() - t;
  console.log(`outbox: drained a backlog of ${drained} (claims of 10 + complete): ${Math.round((drained / drainMs) * 1000).toLocaleString('en')} entries/s`);

  t = performance.now();
  await store.close();
  console.log(`close: ${(performance.now() - t).toFixed(0)} ms`);
  if (dir) rmSync(dir, { recursive: true, force: true });
}

await main();
