/**
 * The nedb datastores behind the embedded adapter, one per collection, and their lifecycle:
 * load, indexes, periodic compaction, close.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as nedb from '@seald-io/nedb';
import type { PairwiseSubjectRecord } from '../ports.js';
import type {
  AuthRequestRecord,
  ClientRecord,
  DeviceRecord,
  EnrollmentCodeRecord,
  FailureCounterRecord,
  KeyRecord,
  OutboxEntry,
  ScriptRecord,
  ScriptVersionRecord,
  TokenRecord,
  UserRecord,
} from '../ports.js';

export type Datastore<T> = nedb.default<T>;

// The package is CommonJS whose typings declare an ES default export; under NodeNext that
// default is typed as the module object, so load the class the CommonJS way and say its type.
const DatastoreClass = createRequire(import.meta.url)('@seald-io/nedb') as new <T>(
  options: nedb.default.DataStoreOptions,
) => Datastore<T>;

export interface EmbeddedStoreOptions {
  /** Directory of the durable files `<dataDir>/<collection>.db`; required unless `inMemory`. */
  dataDir?: string;
  /** Keeps everything in memory and writes no file (tests, benchmarks). */
  inMemory?: boolean;
}

/**
 * Besides these, every collection has nedb's unique `_id` index, and `_id` is the record's
 * natural key (clientId, sub, id, digest, kid): that index is both the uniqueness constraint and
 * the lookup path for those keys, without a second index to maintain on every write.
 */
const INDEXES = {
  clients: [],
  users: [{ fieldName: 'username', unique: true }, { fieldName: 'email' }, { fieldName: 'phone_number' }],
  authRequests: [{ fieldName: 'linkHash', unique: true }, { fieldName: 'purgeAt' }, { fieldName: 'expiresAt' }],
  // The claim's range on nextAttemptAt; no index on status, which nedb would prefer and which matches every queued entry.
  outbox: [{ fieldName: 'nextAttemptAt' }, { fieldName: 'deadline' }],
  tokens: [{ fieldName: 'grantId' }, { fieldName: 'expiresAt' }],
  keys: [],
  jtis: [{ fieldName: 'expiresAt' }],
  pairwiseSubjects: [],
  scripts: [],
  scriptVersions: [{ fieldName: 'name' }],
  scriptSecrets: [{ fieldName: 'script' }],
  meta: [],
  failureCounters: [{ fieldName: 'purgeAt' }],
  devices: [{ fieldName: 'sub' }],
  enrollmentCodes: [{ fieldName: 'expiresAt' }],
} satisfies Record<keyof Collections, nedb.default.EnsureIndexOptions[]>;

export interface Collections {
  clients: Datastore<ClientRecord>;
  users: Datastore<UserRecord>;
  authRequests: Datastore<AuthRequestRecord>;
  outbox: Datastore<OutboxEntry>;
  tokens: Datastore<TokenRecord>;
  keys: Datastore<KeyRecord>;
  jtis: Datastore<{ expiresAt: number }>;
  pairwiseSubjects: Datastore<PairwiseSubjectRecord>;
  scripts: Datastore<ScriptRecord>;
  scriptVersions: Datastore<ScriptVersionRecord>;
  scriptSecrets: Datastore<{ script: string; name: string; sealed: string; updatedAt: number }>;
  meta: Datastore<{ value: number }>;
  failureCounters: Datastore<FailureCounterRecord>;
  devices: Datastore<DeviceRecord>;
  enrollmentCodes: Datastore<EnrollmentCodeRecord>;
}

/** nedb appends every write to the file; compaction rewrites it to the live documents. */
const COMPACTION_INTERVAL_MS = 60_000;

function persistence(options: EmbeddedStoreOptions, name: keyof Collections): nedb.default.DataStoreOptions {
  if (options.inMemory) return { inMemoryOnly: true };
  if (!options.dataDir) throw new Error('embedded store: dataDir is required unless inMemory is set');
  return { filename: join(options.dataDir, `${name}.db`) };
}

export function openCollections(options: EmbeddedStoreOptions): Collections {
  const open = <T>(name: keyof Collections): Datastore<T> =>
    new DatastoreClass<T>({
      ...persistence(options, name),
      autoload: true,
      // Without a handler nedb rethrows a load failure as an unhandled rejection;
      // loadCollections awaits the same promise and so reports it to the caller of init().
      onload: () => undefined,
    });
  return {
    clients: open('clients'),
    users: open('users'),
    authRequests: open('authRequests'),
    outbox: open('outbox'),
    tokens: open('tokens'),
    keys: open('keys'),
    jtis: open('jtis'),
    pairwiseSubjects: open('pairwiseSubjects'),
    scripts: open('scripts'),
    scriptVersions: open('scriptVersions'),
    scriptSecrets: open('scriptSecrets'),
    meta: open('meta'),
    failureCounters: open('failureCounters'),
    devices: open('devices'),
    enrollmentCodes: open('enrollmentCodes'),
  };
}

/** Idempotent: ensureIndex skips existing indexes and the compaction timer is replaced. */
export async function loadCollections(collections: Collections, inMemory: boolean): Promise<void> {
  await Promise.all(
    (Object.keys(INDEXES) as (keyof Collections)[]).map(async (name) => {
      const db: Datastore<unknown> = collections[name];
      await db.autoloadPromise;
      for (const index of INDEXES[name]) await db.ensureIndexAsync(index);
      if (!inMemory) db.setAutocompactionInterval(COMPACTION_INTERVAL_MS);
    }),
  );
}

/** Waits for queued writes and leaves each file compacted (for in-memory data, only the wait). */
export async function closeCollections(collections: Collections): Promise<void> {
  await Promise.all(
    Object.values(collections).map(async (db) => {
      db.stopAutocompaction();
      await db.compactDatafileAsync();
    }),
  );
}
