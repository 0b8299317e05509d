/**
 * The callback part of the contract: the outbox's leases and the expiry claim on auth requests.
 * Every operation here can race between OP processes, so each must be one conditional update;
 * the racing tests hold an adapter to that. Called from runStoreContract with its fresh store.
 */
import { describe, expect, it } from 'vitest';
import { NEVER, type OutboxEntry, type Store } from '../../core/store/ports.js';
import { MINUTE, T0, authRequestRecord, uid } from './fixtures.js';

function entry(overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    id: uid('req'),
    clientId: 'client-1',
    mode: 'ping',
    status: 'queued',
    attempts: 0,
    nextAttemptAt: T0,
    leaseOwner: null,
    leaseExpiresAt: 0,
    deadline: T0 + 13 * MINUTE,
    sealedPayload: null,
    grantId: null,
    lastError: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

const LEASE = 30_000;

export function runOutboxStoreContract(store: () => Store): void {
  describe('auth requests: expiry claim', () => {
    it('finds expired pending requests only, soonest expired first, at most limit', async () => {
      const s = store();
      const late = authRequestRecord({ expiresAt: T0 + 2 });
      const early = authRequestRecord({ expiresAt: T0 + 1 });
      const notYet = authRequestRecord({ expiresAt: T0 + 4 });
      const approved = authRequestRecord({ expiresAt: T0, state: 'approved' });
      for (const r of [late, early, notYet, approved]) await s.authRequests.create(r);
      expect(await s.authRequests.findExpiredPending(T0 + 2, 10)).toEqual([early, late]);
      expect(await s.authRequests.findExpiredPending(T0 + 2, 1)).toEqual([early]);
      expect(await s.authRequests.findExpiredPending(T0, 10)).toEqual([]);
    });

    it('expires only the listed requests that are still pending and expired, once', async () => {
      const s = store();
      const due = authRequestRecord({ expiresAt: T0 });
      const notYet = authRequestRecord({ expiresAt: T0 + MINUTE });
      const denied = authRequestRecord({ expiresAt: T0, state: 'denied' });
      const unlisted = authRequestRecord({ expiresAt: T0 });
      for (const r of [due, notYet, denied, unlisted]) await s.authRequests.create(r);
      expect(await s.authRequests.expire([due.id, notYet.id, denied.id, 'no-such-request'], T0)).toBe(1);
      expect(await s.authRequests.get(due.id)).toEqual({ ...due, state: 'expired' });
      for (const r of [notYet, denied, unlisted]) expect(await s.authRequests.get(r.id)).toEqual(r);
      expect(await s.authRequests.expire([due.id], T0)).toBe(0);
      expect(await s.authRequests.expire([], T0)).toBe(0);
    });

    it('lets each request be expired by exactly one of 10 racing processors', async () => {
      const s = store();
      const requests = Array.from({ length: 20 }, () => authRequestRecord({ expiresAt: T0 }));
      for (const r of requests) await s.authRequests.create(r);
      const ids = requests.map((r) => r.id);
      const counts = await Promise.all(Array.from({ length: 10 }, () => s.authRequests.expire(ids, T0)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
    });

    it('does not expire a request a decision took first', async () => {
      const s = store();
      const request = authRequestRecord({ expiresAt: T0 });
      await s.authRequests.create(request);
      const [approved, expired] = await Promise.all([
        s.authRequests.transition(request.id, ['pending'], 'approved', { decidedAt: T0 - 1 }),
        s.authRequests.expire([request.id], T0),
      ]);
      expect(approved === null ? 1 : 0).toBe(expired);
      expect((await s.authRequests.get(request.id))?.state).toBe(approved ? 'approved' : 'expired');
    });
  });

  describe('outbox', () => {
    it('queues an entry once: a second enqueue of the same id inserts nothing and changes nothing', async () => {
      const s = store();
      const first = entry();
      const other = entry();
      expect(await s.outbox.enqueue([first])).toEqual([first.id]);
      const got = await s.outbox.get(first.id);
      expect(got).toEqual(first);
      expect(Object.keys(got!)).not.toContain('_id');
      expect(await s.outbox.enqueue([{ ...first, mode: 'push', leaseOwner: 'x', leaseExpiresAt: T0 + LEASE }, other])).toEqual([other.id]);
      expect(await s.outbox.get(first.id)).toEqual(first);
      expect(await s.outbox.get(other.id)).toEqual(other);
      expect(await s.outbox.enqueue([])).toEqual([]);
      expect(await s.outbox.get('no-such-entry')).toBeNull();
    });

    it('counts the queued entries, due or not, leased or not, and no settled one', async () => {
      const s = store();
      expect(await s.outbox.countQueued()).toBe(0);
      await s.outbox.enqueue([
        entry(),
        entry({ nextAttemptAt: T0 + MINUTE }),
        entry({ leaseOwner: 'x', leaseExpiresAt: T0 + LEASE }),
        entry({ status: 'dead' }),
      ]);
      expect(await s.outbox.countQueued()).toBe(3);
    });

    it('claims only due, queued, unleased entries, soonest first, at most limit', async () => {
      const s = store();
      const later = entry({ nextAttemptAt: T0 - 1 });
      const sooner = entry({ nextAttemptAt: T0 - 2 });
      const future = entry({ nextAttemptAt: T0 + 1 });
      const leased = entry({ leaseOwner: 'someone', leaseExpiresAt: T0 + 1 });
      const dead = entry({ status: 'dead' });
      await s.outbox.enqueue([later, sooner, future, leased, dead]);
      const one = await s.outbox.claimDue('claim-1', T0, T0 + LEASE, 1);
      expect(one).toEqual([{ ...sooner, leaseOwner: 'claim-1', leaseExpiresAt: T0 + LEASE, updatedAt: T0 }]);
      expect(Object.keys(one[0]!)).not.toContain('_id');
      const rest = await s.outbox.claimDue('claim-2', T0, T0 + LEASE, 10);
      expect(rest.map((e) => e.id)).toEqual([later.id]);
      expect(await s.outbox.claimDue('claim-3', T0, T0 + LEASE, 10)).toEqual([]);
    });

    it('gives a lease that ran out to the next claim, and then only the new holder can settle', async () => {
      const s = store();
      const e = entry();
      await s.outbox.enqueue([e]);
      await s.outbox.claimDue('crashed', T0, T0 + LEASE, 10);
      expect(await s.outbox.claimDue('early', T0 + LEASE - 1, T0 + 2 * LEASE, 10)).toEqual([]);
      const taken = await s.outbox.claimDue('successor', T0 + LEASE, T0 + 2 * LEASE, 10);
      expect(taken.map((x) => x.leaseOwner)).toEqual(['successor']);
      expect(await s.outbox.complete(e.id, 'crashed')).toBe(false);
      expect(await s.outbox.settle(e.id, 'crashed', { status: 'dead', attempted: true, lastError: 'x' }, T0 + LEASE)).toBeNull();
      expect(await s.outbox.renew(e.id, 'crashed', T0 + 3 * LEASE, T0 + LEASE)).toBeNull();
      expect((await s.outbox.get(e.id))?.leaseOwner).toBe('successor');
      expect(await s.outbox.complete(e.id, 'successor')).toBe(true);
      expect(await s.outbox.get(e.id)).toBeNull();
      expect(await s.outbox.complete(e.id, 'successor')).toBe(false);
    });

    it('hands each of 60 entries to exactly one of 12 racing claims', async () => {
      const s = store();
      const entries = Array.from({ length: 60 }, () => entry());
      await s.outbox.enqueue(entries);
      const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => s.outbox.claimDue(`claim-${i}`, T0, T0 + LEASE, 10)));
      const claimed = claims.flatMap((c, i) => c.map((x) => ({ id: x.id, owner: x.leaseOwner, claim: `claim-${i}` })));
      expect(claimed.every((c) => c.owner === c.claim)).toBe(true);
      const ids = claimed.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      // Whatever the first round left (claims that lost every candidate to others), later rounds take.
      const more = await s.outbox.claimDue('late', T0, T0 + LEASE, 100);
      expect([...ids, ...more.map((x) => x.id)].sort()).toEqual(entries.map((x) => x.id).sort());
    });

    it('renews a lease for its holder only', async () => {
      const s = store();
      const e = entry();
      await s.outbox.enqueue([e]);
      await s.outbox.claimDue('holder', T0, T0 + LEASE, 1);
      expect(await s.outbox.renew(e.id, 'holder', T0 + 2 * LEASE, T0 + 5)).toMatchObject({ leaseExpiresAt: T0 + 2 * LEASE, updatedAt: T0 + 5 });
      expect(await s.outbox.claimDue('other', T0 + LEASE, T0 + 3 * LEASE, 1)).toEqual([]);
      expect(await s.outbox.renew(e.id, 'other', T0 + 9 * LEASE, T0 + 5)).toBeNull();
    });

    it('attaches a sealed payload once, for the lease holder only', async () => {
      const s = store();
      const e = entry({ mode: 'push' });
      await s.outbox.enqueue([e]);
      await s.outbox.claimDue('holder', T0, T0 + LEASE, 1);
      expect(await s.outbox.attachPayload(e.id, 'intruder', 'sealed-x', 'grant-x', T0)).toBeNull();
      expect(await s.outbox.attachPayload(e.id, 'holder', 'sealed-1', 'grant-1', T0 + 1)).toMatchObject({ sealedPayload: 'sealed-1', grantId: 'grant-1' });
      expect(await s.outbox.attachPayload(e.id, 'holder', 'sealed-2', 'grant-2', T0 + 2)).toBeNull();
      expect(await s.outbox.get(e.id)).toMatchObject({ sealedPayload: 'sealed-1', grantId: 'grant-1' });
    });

    it('settles: a retry frees the lease and counts the attempt; a dead letter drops the payload and is never claimed', async () => {
      const s = store();
      const e = entry({ mode: 'push' });
      await s.outbox.enqueue([e]);
      await s.outbox.claimDue('c1', T0, T0 + LEASE, 1);
      await s.outbox.attachPayload(e.id, 'c1', 'sealed', 'grant', T0);
      const retry = await s.outbox.settle(e.id, 'c1', { status: 'queued', nextAttemptAt: T0 + 500, attempted: true, lastError: 'HTTP 503' }, T0 + 1);
      expect(retry).toEqual({ ...e, attempts: 1, nextAttemptAt: T0 + 500, lastError: 'HTTP 503', sealedPayload: 'sealed', grantId: 'grant', updatedAt: T0 + 1 });
      expect(await s.outbox.claimDue('c2', T0 + 499, T0 + LEASE, 1)).toEqual([]);
      await s.outbox.claimDue('c2', T0 + 500, T0 + LEASE, 1);
      const waiting = await s.outbox.settle(e.id, 'c2', { status: 'queued', nextAttemptAt: T0 + 900, attempted: false, lastError: null }, T0 + 501);
      expect(waiting).toMatchObject({ attempts: 1, lastError: null });
      await s.outbox.claimDue('c3', T0 + 900, T0 + LEASE, 1);
      const dead = await s.outbox.settle(e.id, 'c3', { status: 'dead', attempted: true, lastError: 'HTTP 401' }, T0 + 901);
      expect(dead).toMatchObject({ status: 'dead', attempts: 2, nextAttemptAt: NEVER, sealedPayload: null, grantId: 'grant', lastError: 'HTTP 401', leaseOwner: null });
      expect(await s.outbox.complete(e.id, 'c3')).toBe(false);
      expect(await s.outbox.claimDue('c4', T0 + 2 * LEASE, T0 + 3 * LEASE, 1)).toEqual([]);
    });

    it('purges dead entries past their deadline, never queued ones', async () => {
      const s = store();
      const dead = entry({ status: 'dead', deadline: T0 });
      const queued = entry({ deadline: T0 });
      const boundary = entry({ status: 'dead', deadline: T0 + 1 });
      await s.outbox.enqueue([dead, queued, boundary]);
      expect(await s.outbox.purge(T0 + 1)).toBe(1);
      expect(await s.outbox.get(dead.id)).toBeNull();
      expect(await s.outbox.get(queued.id)).toEqual(queued);
      expect(await s.outbox.get(boundary.id)).toEqual(boundary);
    });
  });
}
