/**
 * The one behaviour every store adapter must have. Each adapter's test file runs this suite;
 * whatever holds here holds for the OP on either store.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateKeyError, type AuthRequestState, type Store } from '../../core/store/ports.js';
import { DEFAULT_LIMIT } from '../../core/store/queries.js';
import { describeScriptRepos } from './scripts-contract.js';
import { runOutboxStoreContract } from './outbox-contract.js';
import { runOAuthStoreContract } from './oauth-contract.js';
import { MINUTE, T0, authRequestRecord, clientRecord, keyRecord, tokenRecord, uid, userRecord } from './fixtures.js';
import { runEnduserStoreContract } from './enduser-contract.js';

/**
 * @param makeStore opens a fresh, empty, initialised store (called before every test).
 * @param cleanup removes whatever the run left behind (called once, after the last test).
 * @param reopen opens again, after close(), the store that `makeStore` made last — for
 *   adapters whose data outlives the process; omitted for memory-only ones.
 */
export function runStoreContract(
  name: string,
  makeStore: () => Promise<Store>,
  cleanup: () => Promise<void>,
  reopen?: () => Promise<Store>,
): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });
    afterAll(cleanup);

    /** Records come back without storage members (`_id`, MongoDB's TTL date). */
    function expectPlain(record: object | null): void {
      expect(record).not.toBeNull();
      expect(Object.keys(record!)).not.toContain('_id');
      expect(Object.keys(record!)).not.toContain('expireAt');
    }

    describeScriptRepos(() => store);

    describe('store', () => {
      it('pings, and init() is idempotent', async () => {
        await store.ping();
        await store.init();
        const user = userRecord();
        await store.users.create(user);
        await expect(store.users.create(userRecord({ username: user.username }))).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        expect(['embedded', 'mongo']).toContain(store.kind);
      });
    });

    describe('clients', () => {
      it('creates and gets a client; an unknown id is null', async () => {
        const client = clientRecord();
        await store.clients.create(client);
        const got = await store.clients.get(client.clientId);
        expect(got).toEqual(client);
        expectPlain(got);
        expect(await store.clients.get('no-such-client')).toBeNull();
      });

      it('refuses a second client with the same id and keeps the first', async () => {
        const client = clientRecord();
        await store.clients.create(client);
        await expect(store.clients.create({ ...client, disabled: true })).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await store.clients.get(client.clientId)).toEqual(client);
      });

      it('upsert inserts, then replaces', async () => {
        const client = clientRecord({ source: 'static' });
        await store.clients.upsert(client);
        expect(await store.clients.get(client.clientId)).toEqual(client);
        const changed = { ...client, metadata: { ...client.metadata, client_name: 'Renamed' }, updatedAt: T0 + 1 };
        await store.clients.upsert(changed);
        expect(await store.clients.get(client.clientId)).toEqual(changed);
        expect(await store.clients.list()).toHaveLength(1);
      });

      it('replace changes an existing client only', async () => {
        const client = clientRecord();
        await store.clients.create(client);
        const changed = { ...client, disabled: true };
        expect(await store.clients.replace(changed)).toBe(true);
        expect(await store.clients.get(client.clientId)).toEqual(changed);
        const ghost = clientRecord();
        expect(await store.clients.replace(ghost)).toBe(false);
        expect(await store.clients.get(ghost.clientId)).toBeNull();
      });

      it('deletes once', async () => {
        const client = clientRecord();
        await store.clients.create(client);
        expect(await store.clients.delete(client.clientId)).toBe(true);
        expect(await store.clients.get(client.clientId)).toBeNull();
        expect(await store.clients.delete(client.clientId)).toBe(false);
      });

      it('lists every client, by clientId', async () => {
        const clients = ['c-b', 'c-a', 'c-c'].map((clientId) => clientRecord({ clientId }));
        for (const client of clients) await store.clients.create(client);
        const listed = await store.clients.list();
        expect(listed.map((c) => c.clientId)).toEqual(['c-a', 'c-b', 'c-c']);
        listed.forEach(expectPlain);
      });
    });

    describe('users', () => {
      it('creates and gets a user; an unknown sub is null', async () => {
        const user = userRecord();
        await store.users.create(user);
        const got = await store.users.get(user.sub);
        expect(got).toEqual(user);
        expectPlain(got);
        expect(await store.users.get('no-such-user')).toBeNull();
      });

      it('refuses a duplicate sub and a duplicate username, storing neither', async () => {
        const user = userRecord();
        await store.users.create(user);
        await expect(store.users.create(userRecord({ sub: user.sub }))).rejects.toBeInstanceOf(DuplicateKeyError);
        const sameName = userRecord({ username: user.username });
        await expect(store.users.create(sameName)).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await store.users.get(sameName.sub)).toBeNull();
        expect(await store.users.findByClaim('username', user.username)).toEqual([user]);
      });

      it('finds users by the top-level lookup fields', async () => {
        const user = userRecord({ phone_number: '+15550100' });
        await store.users.create(user);
        await store.users.create(userRecord());
        for (const [claim, value] of [
          ['sub', user.sub],
          ['username', user.username],
          ['email', user.email!],
          ['phone_number', '+15550100'],
        ] as const) {
          const found = await store.users.findByClaim(claim, value);
          expect(found, claim).toEqual([user]);
          found.forEach(expectPlain);
        }
        expect(await store.users.findByClaim('email', 'nobody@example.com')).toEqual([]);
      });

      it('finds users by a member of claims, and never by a stored field outside them', async () => {
        const user = userRecord({ claims: { inum: 'A1B2', name: 'Jane' }, passwordHash: 'scrypt$secret' });
        await store.users.create(user);
        expect(await store.users.findByClaim('inum', 'A1B2')).toEqual([user]);
        expect(await store.users.findByClaim('inum', 'a1b2')).toEqual([]);
        expect(await store.users.findByClaim('passwordHash', 'scrypt$secret')).toEqual([]);
        expect(await store.users.findByClaim('disabled', 'false')).toEqual([]);
      });

      it('matches nothing for claim names that would be paths or operators', async () => {
        await store.users.create(userRecord({ claims: { a: { b: 'x' } } }));
        for (const claim of ['a.b', '$where', '']) {
          expect(await store.users.findByClaim(claim, 'x'), claim).toEqual([]);
        }
      });

      it(`returns at most limit users (default ${DEFAULT_LIMIT})`, async () => {
        for (let i = 0; i < 3; i++) await store.users.create(userRecord({ claims: { team: 'blue' } }));
        expect(await store.users.findByClaim('team', 'blue', 2)).toHaveLength(2);
        expect(await store.users.findByClaim('team', 'blue')).toHaveLength(3);
      });

      it('updates with a patch, ignoring undefined members', async () => {
        const user = userRecord();
        await store.users.create(user);
        const updated = await store.users.update(user.sub, {
          email: 'new@example.com',
          claims: { name: 'Jane Q' },
          passwordHash: undefined,
          updatedAt: T0 + 5,
        });
        const expected = { ...user, email: 'new@example.com', claims: { name: 'Jane Q' }, updatedAt: T0 + 5 };
        expect(updated).toEqual(expected);
        expectPlain(updated);
        expect(await store.users.get(user.sub)).toEqual(expected);
        expect(await store.users.findByClaim('email', 'new@example.com')).toEqual([expected]);
        expect(await store.users.findByClaim('email', user.email!)).toEqual([]);
        expect(await store.users.update(user.sub, {})).toEqual(expected);
      });

      it('update of an unknown sub is null; to a taken username fails and changes nothing', async () => {
        expect(await store.users.update('no-such-user', { disabled: true })).toBeNull();
        const a = userRecord();
        const b = userRecord();
        await store.users.create(a);
        await store.users.create(b);
        await expect(store.users.update(b.sub, { username: a.username, disabled: true })).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        expect(await store.users.get(b.sub)).toEqual(b);
      });

      it('lists users by sub, at most limit', async () => {
        for (const sub of ['u-c', 'u-a', 'u-b']) await store.users.create(userRecord({ sub }));
        expect((await store.users.list()).map((u) => u.sub)).toEqual(['u-a', 'u-b', 'u-c']);
        expect((await store.users.list(2)).map((u) => u.sub)).toEqual(['u-a', 'u-b']);
      });
    });

    describe('auth requests', () => {
      it('lists requests newest first, by state, client and user, at most limit', async () => {
        const a = authRequestRecord({ createdAt: T0, clientId: 'c1', sub: 'u1' });
        const b = authRequestRecord({ createdAt: T0 + 1, clientId: 'c1', sub: 'u2', state: 'approved' });
        const c = authRequestRecord({ createdAt: T0 + 2, clientId: 'c2', sub: 'u1' });
        for (const record of [a, b, c]) await store.authRequests.create(record);
        expect(await store.authRequests.list({}, 10)).toEqual([c, b, a]);
        expect(await store.authRequests.list({}, 2)).toEqual([c, b]);
        expect(await store.authRequests.list({ clientId: 'c1' }, 10)).toEqual([b, a]);
        expect(await store.authRequests.list({ sub: 'u1', state: 'pending' }, 10)).toEqual([c, a]);
        expect(await store.authRequests.list({ clientId: 'c2', sub: 'u2' }, 10)).toEqual([]);
        (await store.authRequests.list({}, 10)).forEach(expectPlain);
      });

      it('creates, gets and finds by link hash', async () => {
        const request = authRequestRecord();
        await store.authRequests.create(request);
        const got = await store.authRequests.get(request.id);
        expect(got).toEqual(request);
        expectPlain(got);
        expect(await store.authRequests.findByLinkHash(request.linkHash)).toEqual(request);
        expect(await store.authRequests.get('no-such-request')).toBeNull();
        expect(await store.authRequests.findByLinkHash('no-such-link')).toBeNull();
      });

      it('refuses a duplicate id and a duplicate link hash', async () => {
        const request = authRequestRecord();
        await store.authRequests.create(request);
        await expect(store.authRequests.create(authRequestRecord({ id: request.id }))).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        const sameLink = authRequestRecord({ linkHash: request.linkHash });
        await expect(store.authRequests.create(sameLink)).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await store.authRequests.get(sameLink.id)).toBeNull();
      });

      it('transitions from a listed state, applying the patch', async () => {
        const request = authRequestRecord();
        await store.authRequests.create(request);
        const patch = { decidedAt: T0 + 1000, authTime: T0 + 900, acr: 'urn:acr:pwd', amr: ['pwd'] };
        const approved = await store.authRequests.transition(request.id, ['pending'], 'approved', patch);
        const expected = { ...request, ...patch, state: 'approved' };
        expect(approved).toEqual(expected);
        expectPlain(approved);
        expect(await store.authRequests.get(request.id)).toEqual(expected);
        const issued = await store.authRequests.transition(request.id, ['approved'], 'issued');
        expect(issued).toEqual({ ...expected, state: 'issued' });
      });

      it('does not transition from an unlisted state, or an unknown request', async () => {
        const request = authRequestRecord({ state: 'denied', reason: 'user said no' });
        await store.authRequests.create(request);
        expect(await store.authRequests.transition(request.id, ['pending', 'approved'], 'issued')).toBeNull();
        expect(await store.authRequests.transition(request.id, [], 'expired')).toBeNull();
        expect(await store.authRequests.get(request.id)).toEqual(request);
        expect(await store.authRequests.transition('no-such-request', ['pending'], 'expired')).toBeNull();
        expect(await store.authRequests.transition(request.id, ['pending', 'denied'], 'failed')).toMatchObject({
          state: 'failed',
        });
      });

      it('keeps members the patch leaves undefined', async () => {
        const request = authRequestRecord({ state: 'approved', acr: 'urn:acr:pwd' });
        await store.authRequests.create(request);
        const issued = await store.authRequests.transition(request.id, ['approved'], 'issued', { acr: undefined });
        expect(issued).toEqual({ ...request, state: 'issued' });
      });

      it('honours notExpiredAt: expired from expiresAt on', async () => {
        const request = authRequestRecord();
        await store.authRequests.create(request);
        expect(
          await store.authRequests.transition(request.id, ['pending'], 'approved', {}, request.expiresAt),
        ).toBeNull();
        expect(await store.authRequests.get(request.id)).toEqual(request);
        const approved = await store.authRequests.transition(
          request.id,
          ['pending'],
          'approved',
          {},
          request.expiresAt - 1,
        );
        expect(approved?.state).toBe('approved');
      });

      it('lets exactly one of 20 racing transitions win', async () => {
        const request = authRequestRecord();
        await store.authRequests.create(request);
        const targets: AuthRequestState[] = Array.from({ length: 20 }, (_, i) => (i % 2 ? 'approved' : 'denied'));
        const results = await Promise.all(
          targets.map((to, i) => store.authRequests.transition(request.id, ['pending'], to, { decidedAt: T0 + i })),
        );
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        expect(await store.authRequests.get(request.id)).toEqual(winners[0]);
      });

      describe('registerPoll', () => {
        it('is null for an unknown request', async () => {
          expect(await store.authRequests.registerPoll('no-such-request', T0, 5)).toBeNull();
        });

        it('never slows the first poll, slows one sooner than interval, accepts one at interval', async () => {
          const request = authRequestRecord({ interval: 5 });
          await store.authRequests.create(request);

          const first = await store.authRequests.registerPoll(request.id, T0, 5);
          expect(first).toEqual({ slowDown: false, record: { ...request, lastPollAt: T0 } });
          expectPlain(first!.record);

          const early = await store.authRequests.registerPoll(request.id, T0 + 4_999, 5);
          expect(early).toEqual({ slowDown: true, record: { ...request, lastPollAt: T0 + 4_999, interval: 10 } });

          // The grown interval counts from the slow poll.
          const stillEarly = await store.authRequests.registerPoll(request.id, T0 + 4_999 + 9_999, 5);
          expect(stillEarly?.slowDown).toBe(true);
          expect(stillEarly?.record.interval).toBe(15);

          const onTime = await store.authRequests.registerPoll(request.id, T0 + 4_999 + 9_999 + 15_000, 5);
          expect(onTime).toEqual({
            slowDown: false,
            record: { ...request, lastPollAt: T0 + 29_998, interval: 15 },
          });
          expect(await store.authRequests.get(request.id)).toEqual(onTime!.record);
        });

        it('treats a poll stamped before the latest as slow, and never moves lastPollAt back', async () => {
          const request = authRequestRecord({ interval: 2 });
          await store.authRequests.create(request);
          await store.authRequests.registerPoll(request.id, T0 + 10_000, 3);
          const skewed = await store.authRequests.registerPoll(request.id, T0 + 9_000, 3);
          expect(skewed?.slowDown).toBe(true);
          expect(skewed?.record).toMatchObject({ lastPollAt: T0 + 10_000, interval: 5 });
        });

        it('neither undoes nor is undone by a concurrent transition', async () => {
          const request = authRequestRecord();
          await store.authRequests.create(request);
          const [poll, approved] = await Promise.all([
            store.authRequests.registerPoll(request.id, T0, 5),
            store.authRequests.transition(request.id, ['pending'], 'approved', { decidedAt: T0 }),
          ]);
          expect(poll?.slowDown).toBe(false);
          expect(approved?.state).toBe('approved');
          expect(await store.authRequests.get(request.id)).toMatchObject({
            state: 'approved',
            decidedAt: T0,
            lastPollAt: T0,
            interval: request.interval,
          });
        });

        /**
         * The guarantee: concurrent polls of one request take effect one at a time, in some
         * order, each deciding on the state the previous one left. So of 50 polls at the same
         * instant exactly one is not slow (the first to apply, when the previous poll lies at
         * least `interval` back or there was none) and each of the other 49 grows the interval
         * by exactly one step, the outcomes carrying the distinct intervals of each step.
         */
        it('gives 50 concurrent polls consistent outcomes', async () => {
          const request = authRequestRecord({ interval: 5 });
          await store.authRequests.create(request);
          const step = 5;
          const pollAll = (now: number) =>
            Promise.all(Array.from({ length: 50 }, () => store.authRequests.registerPoll(request.id, now, step)));

          const burst = (await pollAll(T0)).map((o) => o!);
          expect(burst.filter((o) => !o.slowDown)).toHaveLength(1);
          expect(burst.find((o) => !o.slowDown)!.record.interval).toBe(5);
          const slowIntervals = burst.filter((o) => o.slowDown).map((o) => o.record.interval);
          expect(slowIntervals.sort((a, b) => a - b)).toEqual(Array.from({ length: 49 }, (_, i) => 5 + step * (i + 1)));
          const afterBurst = await store.authRequests.get(request.id);
          expect(afterBurst).toMatchObject({ interval: 5 + 49 * step, lastPollAt: T0 });

          // Once the grown interval has passed, again exactly one of a burst goes through.
          const later = T0 + afterBurst!.interval * 1000;
          const second = (await pollAll(later)).map((o) => o!);
          expect(second.filter((o) => !o.slowDown)).toHaveLength(1);
          expect(await store.authRequests.get(request.id)).toMatchObject({
            interval: 5 + 98 * step,
            lastPollAt: later,
          });
        });
      });

      it('purges only records whose purgeAt has passed', async () => {
        const gone = authRequestRecord({ purgeAt: T0 + MINUTE });
        const boundary = authRequestRecord({ purgeAt: T0 + 2 * MINUTE });
        const kept = authRequestRecord({ purgeAt: T0 + 3 * MINUTE });
        for (const r of [gone, boundary, kept]) await store.authRequests.create(r);
        expect(await store.authRequests.purge(T0 + 2 * MINUTE)).toBe(1);
        expect(await store.authRequests.get(gone.id)).toBeNull();
        expect(await store.authRequests.findByLinkHash(gone.linkHash)).toBeNull();
        expect(await store.authRequests.get(boundary.id)).toEqual(boundary);
        expect(await store.authRequests.get(kept.id)).toEqual(kept);
        expect(await store.authRequests.purge(T0 + 2 * MINUTE)).toBe(0);
        // The purged link hash is free again.
        await store.authRequests.create(authRequestRecord({ linkHash: gone.linkHash }));
      });
    });

    describe('tokens', () => {
      it('creates one or many, gets by digest, refuses a duplicate digest', async () => {
        const token = tokenRecord({ kind: 'access_token' });
        await store.tokens.create(token);
        const got = await store.tokens.get(token.digest);
        expect(got).toEqual(token);
        expectPlain(got);
        await expect(store.tokens.create(tokenRecord({ digest: token.digest }))).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        const grantId = uid('grant');
        const pair = [tokenRecord({ kind: 'access_token', grantId }), tokenRecord({ grantId })];
        await store.tokens.createMany(pair);
        await store.tokens.createMany([]);
        for (const t of pair) expect(await store.tokens.get(t.digest)).toEqual(t);
        await expect(store.tokens.createMany([tokenRecord({ digest: token.digest })])).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        expect(await store.tokens.get('no-such-token')).toBeNull();
      });

      it('consumes a refresh token once, returning it as it was', async () => {
        const token = tokenRecord();
        await store.tokens.create(token);
        const consumed = await store.tokens.consume(token.digest, T0 + MINUTE);
        expect(consumed).toEqual(token);
        expectPlain(consumed);
        expect(await store.tokens.get(token.digest)).toEqual({ ...token, consumedAt: T0 + MINUTE });
        expect(await store.tokens.consume(token.digest, T0 + MINUTE)).toBeNull();
      });

      it('lets exactly one of 20 racing consumes win', async () => {
        const token = tokenRecord();
        await store.tokens.create(token);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.tokens.consume(token.digest, T0 + i)),
        );
        expect(results.filter((r) => r !== null)).toHaveLength(1);
      });

      it('does not consume an expired, revoked, unknown or access token', async () => {
        const expired = tokenRecord({ expiresAt: T0 + MINUTE });
        const revoked = tokenRecord({ revoked: true });
        const access = tokenRecord({ kind: 'access_token' });
        for (const t of [expired, revoked, access]) await store.tokens.create(t);
        expect(await store.tokens.consume(expired.digest, T0 + MINUTE)).toBeNull();
        expect(await store.tokens.consume(expired.digest, T0 + 2 * MINUTE)).toBeNull();
        expect(await store.tokens.consume(revoked.digest, T0)).toBeNull();
        expect(await store.tokens.consume(access.digest, T0)).toBeNull();
        expect(await store.tokens.consume('no-such-token', T0)).toBeNull();
        for (const t of [expired, revoked, access]) expect(await store.tokens.get(t.digest)).toEqual(t);
        expect(await store.tokens.consume(expired.digest, T0 + MINUTE - 1)).toEqual(expired);
      });

      it('revokes a whole grant, counting what it revoked', async () => {
        const grantId = uid('grant');
        const grant = [tokenRecord({ kind: 'access_token', grantId }), tokenRecord({ grantId })];
        const other = tokenRecord();
        await store.tokens.createMany([...grant, other]);
        expect(await store.tokens.revokeGrant(grantId)).toBe(2);
        for (const t of grant) expect(await store.tokens.get(t.digest)).toEqual({ ...t, revoked: true });
        expect(await store.tokens.get(other.digest)).toEqual(other);
        expect(await store.tokens.consume(grant[1]!.digest, T0)).toBeNull();
        expect(await store.tokens.revokeGrant(grantId)).toBe(0);
        expect(await store.tokens.revokeGrant('no-such-grant')).toBe(0);
      });

      it('purges only tokens that expired before now', async () => {
        const gone = tokenRecord({ expiresAt: T0 + MINUTE });
        const boundary = tokenRecord({ expiresAt: T0 + 2 * MINUTE });
        await store.tokens.createMany([gone, boundary]);
        expect(await store.tokens.purge(T0 + 2 * MINUTE)).toBe(1);
        expect(await store.tokens.get(gone.digest)).toBeNull();
        expect(await store.tokens.get(boundary.digest)).toEqual(boundary);
      });
    });

    runEnduserStoreContract(() => store);

    runOAuthStoreContract(() => store);

    runOutboxStoreContract(() => store);

    describe('keys', () => {
      it('lists keys oldest first and refuses a duplicate kid', async () => {
        expect(await store.keys.list()).toEqual([]);
        const newer = keyRecord({ createdAt: T0 + 1 });
        const older = keyRecord({ createdAt: T0, status: 'retired', retireAt: T0 + MINUTE });
        await store.keys.create(newer);
        await store.keys.create(older);
        const listed = await store.keys.list();
        expect(listed).toEqual([older, newer]);
        listed.forEach(expectPlain);
        await expect(store.keys.create(keyRecord({ kid: newer.kid }))).rejects.toBeInstanceOf(DuplicateKeyError);
      });

      it('updates status and retireAt of a key, and answers null for an unknown kid', async () => {
        const key = keyRecord();
        await store.keys.create(key);
        const retired = await store.keys.update(key.kid, { status: 'retired', retireAt: T0 + MINUTE });
        expect(retired).toEqual({ ...key, status: 'retired', retireAt: T0 + MINUTE });
        expectPlain(retired);
        expect(await store.keys.list()).toEqual([retired]);
        expect(await store.keys.update('no-such-kid', { status: 'retired' })).toBeNull();
      });
    });

    describe('copies', () => {
      it('keeps what callers later do to records they passed in, and records come back read-only', async () => {
        const client = clientRecord();
        const user = userRecord();
        const request = authRequestRecord();
        const token = tokenRecord();
        const key = keyRecord();
        await store.clients.create(client);
        await store.users.create(user);
        await store.authRequests.create(request);
        await store.tokens.create(token);
        await store.keys.create(key);
        const snapshot = structuredClone({ client, user, request, token, key });

        client.metadata.grant_types.push('password');
        user.claims['name'] = 'Mallory';
        request.scope.push('admin');
        token.scope.push('admin');
        key.publicJwk['n'] = 'forged';

        const got = {
          client: (await store.clients.get(client.clientId))!,
          user: (await store.users.get(user.sub))!,
          request: (await store.authRequests.get(request.id))!,
          token: (await store.tokens.get(token.digest))!,
          key: (await store.keys.list())[0]!,
        };
        expect(got).toEqual(snapshot);

        // Records come back read-only (ports.ts): changing one either throws (the embedded store
        // hands out its frozen records) or changes only the caller's copy (MongoDB) — never the store.
        const attempt = (change: () => unknown): void => {
          try {
            change();
          } catch (err) {
            expect(err).toBeInstanceOf(TypeError);
          }
        };
        attempt(() => got.client.metadata.grant_types.push('password'));
        attempt(() => (got.user.claims['name'] = 'Mallory'));
        attempt(() => got.request.scope.push('admin'));
        attempt(() => got.token.scope.push('admin'));
        attempt(() => (got.key.publicJwk['n'] = 'forged'));
        const found = (await store.users.findByClaim('sub', user.sub))[0]!;
        attempt(() => (found.claims['name'] = 'Mallory'));
        const listed = (await store.clients.list())[0]!;
        attempt(() => listed.metadata.grant_types.push('password'));
        const approved = (await store.authRequests.transition(request.id, ['pending'], 'approved'))!;
        attempt(() => approved.scope.push('admin'));
        const polled = (await store.authRequests.registerPoll(request.id, T0, 5))!;
        attempt(() => polled.record.scope.push('admin'));
        const consumed = (await store.tokens.consume(token.digest, T0))!;
        attempt(() => consumed.scope.push('admin'));

        expect(await store.clients.get(client.clientId)).toEqual(snapshot.client);
        expect(await store.users.get(user.sub)).toEqual(snapshot.user);
        expect((await store.authRequests.get(request.id))!.scope).toEqual(snapshot.request.scope);
        expect((await store.tokens.get(token.digest))!.scope).toEqual(snapshot.token.scope);
        expect(await store.keys.list()).toEqual([snapshot.key]);
      });
    });

    if (reopen) {
      it('keeps everything across close() and reopening', async () => {
        const client = clientRecord();
        const gone = clientRecord();
        const user = userRecord({ claims: { inum: 'X9' } });
        const request = authRequestRecord();
        const token = tokenRecord();
        const key = keyRecord();
        await store.clients.create(client);
        await store.clients.create(gone);
        await store.clients.delete(gone.clientId);
        await store.users.create(user);
        const updatedUser = await store.users.update(user.sub, { email: 'moved@example.com' });
        await store.authRequests.create(request);
        await store.authRequests.registerPoll(request.id, T0, 5);
        await store.authRequests.registerPoll(request.id, T0 + 1, 5);
        const approved = await store.authRequests.transition(request.id, ['pending'], 'approved', { decidedAt: T0 });
        await store.tokens.create(token);
        const consumedAt = T0 + 2;
        await store.tokens.consume(token.digest, consumedAt);
        await store.keys.create(key);

        await store.close();
        store = await reopen();

        expect(await store.clients.list()).toEqual([client]);
        expect(await store.users.get(user.sub)).toEqual(updatedUser);
        expect(await store.users.findByClaim('email', 'moved@example.com')).toEqual([updatedUser]);
        expect(await store.users.findByClaim('inum', 'X9')).toEqual([updatedUser]);
        expect(approved).toMatchObject({ interval: 10, lastPollAt: T0 + 1 });
        expect(await store.authRequests.get(request.id)).toEqual(approved);
        expect(await store.authRequests.findByLinkHash(request.linkHash)).toEqual(approved);
        expect(await store.tokens.get(token.digest)).toEqual({ ...token, consumedAt });
        expect(await store.keys.list()).toEqual([key]);

        // Unique constraints survive too.
        await expect(store.users.create(userRecord({ username: user.username }))).rejects.toBeInstanceOf(
          DuplicateKeyError,
        );
        await expect(
          store.authRequests.create(authRequestRecord({ linkHash: request.linkHash })),
        ).rejects.toBeInstanceOf(DuplicateKeyError);
      });
    }
  });
}
