import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStore } from '../../core/store/index.js';
import type { Store } from '../../core/store/ports.js';
import { runStoreContract } from './contract.js';
import { Journal } from '../../core/store/embedded/journal.js';
import { T0, authRequestRecord, clientRecord, userRecord } from './fixtures.js';

async function opened(store: Store): Promise<Store> {
  await store.init();
  return store;
}

runStoreContract(
  'embedded, in memory',
  () => opened(createStore({ type: 'embedded', inMemory: true })),
  async () => undefined,
);

const root = mkdtempSync(join(tmpdir(), 'ciba-op-store-'));
let made = 0;
const currentDir = () => join(root, String(made));

runStoreContract(
  'embedded, on files',
  () => {
    made += 1;
    return opened(createStore({ type: 'embedded', dataDir: currentDir() }));
  },
  async () => rmSync(root, { recursive: true, force: true }),
  () => opened(createStore({ type: 'embedded', dataDir: currentDir() })),
);

describe('embedded store files', () => {
  it('keeps one file per collection in dataDir, and none in memory mode', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ciba-op-store-'));
    try {
      const store = await opened(createStore({ type: 'embedded', dataDir }));
      await store.users.create(userRecord());
      await store.close();
      for (const name of ['clients', 'users', 'authRequests', 'tokens', 'keys']) {
        expect(existsSync(join(dataDir, `${name}.db`)), name).toBe(true);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('needs a dataDir unless in memory', () => {
    expect(() => createStore({ type: 'embedded' })).toThrow(/dataDir/);
  });
});

describe('embedded store files: the nedb format', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ciba-op-store-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const file = (name: string) => join(dataDir, `${name}.db`);
  const lines = (name: string) =>
    readFileSync(file(name), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const line = (doc: object) => `${JSON.stringify(doc)}\n`;

  it('reads a file nedb wrote: replaced and deleted documents, index lines, $$date values', async () => {
    const kept = userRecord();
    const replaced = userRecord();
    const deleted = userRecord();
    writeFileSync(
      file('users'),
      line({ $$indexCreated: { fieldName: 'username', unique: true } }) +
        line({ ...kept, _id: kept.sub }) +
        line({ ...replaced, _id: replaced.sub }) +
        line({ ...deleted, _id: deleted.sub }) +
        line({ ...replaced, username: 'renamed', _id: replaced.sub }) +
        line({ $$deleted: true, _id: deleted.sub }) +
        line({ $$indexCreated: { fieldName: 'email' } }),
    );
    writeFileSync(file('jtis'), line({ expiresAt: { $$date: T0 }, _id: 'jti-1' }));
    const store = await opened(createStore({ type: 'embedded', dataDir }));
    try {
      expect(await store.users.get(kept.sub)).toEqual(kept);
      expect(await store.users.get(replaced.sub)).toEqual({ ...replaced, username: 'renamed' });
      expect(await store.users.findByClaim('username', 'renamed')).toHaveLength(1);
      expect(await store.users.findByClaim('username', replaced.username)).toEqual([]);
      expect(await store.users.get(deleted.sub)).toBeNull();
      // A $$date is read back as its epoch ms: an unexpired use of the jti is still refused.
      expect(await store.jtis.use('jti-1', T0 + 1, T0 - 1)).toBe(false);
      expect(await store.jtis.use('jti-1', T0 + 1, T0)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('writes lines nedb reads: _id first, $$deleted for removals', async () => {
    const store = await opened(createStore({ type: 'embedded', dataDir }));
    const client = clientRecord();
    await store.clients.create(client);
    await store.clients.delete(client.clientId);
    const other = clientRecord();
    await store.clients.create(other);
    expect(readFileSync(file('clients'), 'utf8').split('\n')[0]!.startsWith(`{"_id":${JSON.stringify(client.clientId)},`)).toBe(true);
    expect(lines('clients')).toEqual([
      { ...client, _id: client.clientId },
      { $$deleted: true, _id: client.clientId },
      { ...other, _id: other.clientId },
    ]);
    await store.close();
  });

  it('skips a torn last line with a warning, and compacts it away at load', async () => {
    const user = userRecord();
    writeFileSync(file('users'), line({ ...user, _id: user.sub }) + '{"_id":"torn","usern');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const store = await opened(createStore({ type: 'embedded', dataDir }));
      expect(await store.users.get(user.sub)).toEqual(user);
      expect(await store.users.get('torn')).toBeNull();
      expect(lines('users')).toEqual([{ ...user, _id: user.sub }]);
      await store.close();
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.join('\n')).toMatch(/users\.db.*line\(s\) 2/);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('refuses to start on a corrupt line in the middle of a file, naming file and line', async () => {
    const a = userRecord();
    const b = userRecord();
    writeFileSync(file('users'), line({ ...a, _id: a.sub }) + 'garbage\n' + line({ ...b, _id: b.sub }));
    const store = createStore({ type: 'embedded', dataDir });
    await expect(store.init()).rejects.toThrow(/users\.db line 2 is corrupt/);
    await store.close();
  });

  it('refuses to start on a file in which two records share a unique value, naming file and record', async () => {
    const a = userRecord();
    const b = userRecord({ username: a.username });
    writeFileSync(file('users'), line({ ...a, _id: a.sub }) + line({ ...b, _id: b.sub }));
    const store = createStore({ type: 'embedded', dataDir });
    await expect(store.init()).rejects.toThrow(`users.db: two records share a unique users value (record ${b.sub})`);
    await store.close();
  });

  it('refuses a Date in a record: times are epoch milliseconds', async () => {
    const store = await opened(createStore({ type: 'embedded', inMemory: true }));
    try {
      await expect(store.users.create(userRecord({ createdAt: new Date(T0) as never }))).rejects.toThrow(/epoch milliseconds, not Date objects/);
    } finally {
      await store.close();
    }
  });

  it('recovers from a crash between compaction writing <file>~ and its rename', async () => {
    const user = userRecord();
    writeFileSync(`${file('users')}~`, line({ ...user, _id: user.sub }));
    const store = await opened(createStore({ type: 'embedded', dataDir }));
    expect(await store.users.get(user.sub)).toEqual(user);
    await store.close();
  });

  it('compacts to the live records at close: one line each', async () => {
    const store = await opened(createStore({ type: 'embedded', dataDir }));
    const request = authRequestRecord();
    const gone = authRequestRecord({ purgeAt: T0 });
    await store.authRequests.create(request);
    await store.authRequests.create(gone);
    await store.authRequests.registerPoll(request.id, T0, 5);
    const approved = await store.authRequests.transition(request.id, ['pending'], 'approved');
    expect(await store.authRequests.purge(T0 + 1)).toBe(1);
    expect(lines('authRequests').length).toBeGreaterThan(2);
    await store.close();
    expect(lines('authRequests')).toEqual([{ ...approved, _id: request.id }]);
    expect(existsSync(`${file('authRequests')}~`)).toBe(false);
  });

  it('resolves a write only once its line is in the file, and groups one turn\'s writes', async () => {
    const store = await opened(createStore({ type: 'embedded', dataDir }));
    const users = [userRecord(), userRecord(), userRecord()];
    const writes = users.map((u) => store.users.create(u));
    // Queued in memory, not yet written: the append waits for the end of the turn.
    expect(lines('users')).toEqual([]);
    expect(await store.users.get(users[0]!.sub)).toEqual(users[0]);
    await writes[0];
    expect(lines('users').map((d) => d._id)).toEqual(users.map((u) => u.sub));
    await Promise.all(writes);
    await store.close();
  });

  it('returns records frozen, and stores none of the caller\'s objects', async () => {
    const store = await opened(createStore({ type: 'embedded', inMemory: true }));
    const request = authRequestRecord();
    await store.authRequests.create(request);
    const got = (await store.authRequests.get(request.id))!;
    expect(Object.isFrozen(got)).toBe(true);
    expect(Object.isFrozen(got.scope)).toBe(true);
    expect(Object.isFrozen(request)).toBe(false);
    expect(() => got.scope.push('admin')).toThrow(TypeError);
    // A read is the stored object itself, no copy; a write makes a new one.
    expect(await store.authRequests.get(request.id)).toBe(got);
    const polled = (await store.authRequests.registerPoll(request.id, T0, 5))!.record;
    expect(polled).not.toBe(got);
    expect(polled.scope).toBe(got.scope);
    expect(Object.isFrozen(polled)).toBe(true);
    await store.close();
  });

  it('stores an update frozen down to the values it sets, sharing the members it leaves alone, and changes nothing on a filter miss', async () => {
    const store = await opened(createStore({ type: 'embedded', inMemory: true }));
    const user = userRecord();
    await store.users.create(user);
    const before = (await store.users.get(user.sub))!;
    const claims = { name: 'Joan Doe', address: { locality: 'Lyon' } };
    const updated = (await store.users.update(user.sub, { claims }))!;
    expect(updated.claims).toEqual(claims);
    expect(Object.isFrozen(updated)).toBe(true);
    expect(Object.isFrozen(updated.claims)).toBe(true);
    expect(Object.isFrozen(updated.claims.address)).toBe(true);
    // The caller's patch is copied, not frozen in place.
    expect(Object.isFrozen(claims)).toBe(false);
    expect(updated.claims).not.toBe(claims);
    expect(await store.users.get(user.sub)).toBe(updated);
    expect(updated).not.toBe(before);

    const request = authRequestRecord();
    await store.authRequests.create(request);
    const pending = (await store.authRequests.get(request.id))!;
    expect(await store.authRequests.transition(request.id, ['approved'], 'denied')).toBeNull();
    expect(await store.authRequests.get(request.id)).toBe(pending);
    const denied = (await store.authRequests.transition(request.id, ['pending'], 'denied'))!;
    expect(denied.state).toBe('denied');
    expect(denied.scope).toBe(pending.scope);
    await store.close();
  });

  it('writes no file in memory mode, even when given a data dir', async () => {
    const store = await opened(createStore({ type: 'embedded', dataDir, inMemory: true }));
    await store.users.create(userRecord());
    await store.close();
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('embedded store: the outbox index', () => {
  it('keeps claims in nextAttemptAt order as settlements move entries', async () => {
    const store = await opened(createStore({ type: 'embedded', inMemory: true }));
    const entry = (id: string, nextAttemptAt: number) => ({
      id,
      clientId: 'client-1',
      mode: 'ping' as const,
      status: 'queued' as const,
      attempts: 0,
      nextAttemptAt,
      leaseOwner: null,
      leaseExpiresAt: 0,
      deadline: T0 + 60_000,
      sealedPayload: null,
      grantId: null,
      lastError: null,
      createdAt: T0,
      updatedAt: T0,
    });
    await store.outbox.enqueue([entry('c', T0 + 3), entry('a', T0 + 1), entry('b', T0 + 2)]);
    const [first] = await store.outbox.claimDue('o1', T0 + 10, T0 + 20, 1);
    expect(first!.id).toBe('a');
    await store.outbox.settle('a', 'o1', { status: 'queued', nextAttemptAt: T0 + 4, attempted: true, lastError: 'HTTP 503' }, T0 + 10);
    const claimed = await store.outbox.claimDue('o2', T0 + 30, T0 + 40, 10);
    expect(claimed.map((e) => e.id)).toEqual(['b', 'c', 'a']);
    await store.outbox.settle('b', 'o2', { status: 'dead', attempted: true, lastError: 'gone' }, T0 + 30);
    expect(await store.outbox.complete('c', 'o2')).toBe(true);
    // The dead entry left the claim's range; the leased one is not due until its lease runs out.
    expect(await store.outbox.claimDue('o3', T0 + 35, T0 + 50, 10)).toEqual([]);
    expect((await store.outbox.claimDue('o3', T0 + 41, T0 + 50, 10)).map((e) => e.id)).toEqual(['a']);
    await store.close();
  });
});

describe('embedded store: odd member names', () => {
  it('keeps a claim named __proto__ as a member, never as the prototype', async () => {
    const store = await opened(createStore({ type: 'embedded', inMemory: true }));
    const user = userRecord({ claims: JSON.parse('{"__proto__":{"admin":true},"name":"Jane"}') as Record<string, unknown> });
    await store.users.create(user);
    const got = (await store.users.get(user.sub))!;
    expect(Object.getPrototypeOf(got.claims)).toBe(Object.prototype);
    expect(Object.keys(got.claims)).toEqual(['__proto__', 'name']);
    expect((got.claims as { admin?: unknown }).admin).toBeUndefined();
    await store.close();
  });

  it('copies objects whose member names join to the same string as members apart', async () => {
    const store = await opened(createStore({ type: 'embedded', inMemory: true }));
    // A name holding NUL between other member names must not share a copier with those members.
    const odd = userRecord({ claims: { 'given_name\u0000family_name': 'x' } });
    const plain = userRecord({ claims: { given_name: 'Jane', family_name: 'Doe' } });
    await store.users.create(odd);
    await store.users.create(plain);
    expect((await store.users.get(plain.sub))?.claims).toEqual({ given_name: 'Jane', family_name: 'Doe' });
    expect((await store.users.get(odd.sub))?.claims).toEqual({ 'given_name\u0000family_name': 'x' });
    await store.close();
  });
});

describe('embedded store: the journal when a compaction fails', () => {
  it('appends the lines that were queued for it afterwards, so the file catches up with memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciba-op-journal-'));
    const file = join(dir, 'things.db');
    try {
      const journal = new Journal(file);
      await journal.open();
      await journal.append('{"_id":"a"}');
      // A directory where the compaction's temp file goes makes the rewrite fail.
      mkdirSync(`${file}~`);
      const queued = journal.append('{"_id":"b"}');
      await expect(journal.compact(() => ['{"_id":"a"}', '{"_id":"b"}'])).rejects.toThrow();
      await expect(queued).rejects.toThrow();
      rmSync(`${file}~`, { recursive: true });
      await journal.written();
      expect(readFileSync(file, 'utf8')).toBe('{"_id":"a"}\n{"_id":"b"}\n');
      expect(journal.dirty).toBe(true);
      await journal.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
