/**
 * The collections behind the embedded adapter (collection.ts: a Map per collection plus the
 * indexes declared here), their files, and their lifecycle: load, periodic compaction, close.
 */
import { join } from 'node:path';
import type {
  AuthRequestRecord,
  ClientRecord,
  DeviceRecord,
  EnrollmentCodeRecord,
  FailureCounterRecord,
  KeyRecord,
  OutboxEntry,
  PairwiseSubjectRecord,
  ScriptRecord,
  ScriptVersionRecord,
  TokenRecord,
  UserRecord,
} from '../ports.js';
import { Collection, type IndexSpec } from './collection.js';
import { Journal } from './journal.js';

export interface EmbeddedStoreOptions {
  /** Directory of the durable files `<dataDir>/<collection>.db`; required unless `inMemory`. */
  dataDir?: string;
  /** Keeps everything in memory and writes no file (tests, benchmarks). */
  inMemory?: boolean;
}

export interface MetaDoc {
  value: number;
}

export interface SecretDoc {
  script: string;
  name: string;
  sealed: string;
  updatedAt: number;
}

export interface Collections {
  clients: Collection<ClientRecord>;
  users: Collection<UserRecord>;
  authRequests: Collection<AuthRequestRecord>;
  outbox: Collection<OutboxEntry>;
  tokens: Collection<TokenRecord>;
  keys: Collection<KeyRecord>;
  jtis: Collection<{ expiresAt: number }>;
  pairwiseSubjects: Collection<PairwiseSubjectRecord>;
  scripts: Collection<ScriptRecord>;
  scriptVersions: Collection<ScriptVersionRecord>;
  scriptSecrets: Collection<SecretDoc>;
  meta: Collection<MetaDoc>;
  failureCounters: Collection<FailureCounterRecord>;
  devices: Collection<DeviceRecord>;
  enrollmentCodes: Collection<EnrollmentCodeRecord>;
}

/**
 * Every record's key is its natural key (clientId, sub, id, digest, kid), the Map's key and the
 * file's `_id`. Indexes exist only for lookups on the request path or by value; the background
 * jobs' range scans (purge by purgeAt/expiresAt, expiry of pending requests, jtis) walk the Map
 * instead: ~1–3 ms per 100k records every few seconds (bench/store-micro.ts), less than keeping
 * an ordered index current on every insert and delete would cost.
 */
const INDEXES = {
  clients: [],
  users: [
    { field: 'username', kind: 'unique' },
    { field: 'email', kind: 'lookup' },
    { field: 'phone_number', kind: 'lookup' },
  ],
  authRequests: [{ field: 'linkHash', kind: 'unique' }],
  // The claim walks due entries in nextAttemptAt order and stops at its limit (a backlog may be thousands).
  outbox: [{ field: 'nextAttemptAt', kind: 'ordered' }],
  tokens: [{ field: 'grantId', kind: 'lookup' }],
  keys: [],
  jtis: [],
  pairwiseSubjects: [],
  scripts: [],
  scriptVersions: [{ field: 'name', kind: 'lookup' }],
  scriptSecrets: [{ field: 'script', kind: 'lookup' }],
  meta: [],
  failureCounters: [],
  devices: [{ field: 'sub', kind: 'lookup' }],
  enrollmentCodes: [],
} satisfies Record<keyof Collections, IndexSpec[]>;

/** Appends grow the files; compaction rewrites a file that was written to since the last one. */
const COMPACTION_INTERVAL_MS = 60_000;

export interface OpenCollections {
  collections: Collections;
  load(): Promise<void>;
  close(): Promise<void>;
}

export function openCollections(options: EmbeddedStoreOptions): OpenCollections {
  if (!options.inMemory && !options.dataDir) throw new Error('embedded store: dataDir is required unless inMemory is set');
  const open = <T extends object>(name: keyof Collections): Collection<T> =>
    new Collection<T>(name, INDEXES[name], options.inMemory ? undefined : new Journal(join(options.dataDir!, `${name}.db`)));
  const collections: Collections = {
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
  const all = Object.values(collections) as Collection<object>[];
  let timer: NodeJS.Timeout | undefined;

  return {
    collections,
    /** Idempotent: each collection loads once, and the timer is started once. */
    async load() {
      await Promise.all(all.map((c) => c.load(warn)));
      if (options.inMemory || timer) return;
      timer = setInterval(() => {
        for (const c of all) c.compactIfDirty().catch((err: unknown) => warn(`embedded store: compaction of ${c.name} failed: ${String(err)}`));
      }, COMPACTION_INTERVAL_MS);
      // Compaction is housekeeping: it must not keep a process alive that has nothing else to do.
      timer.unref();
    },
    /** Stops the timer, waits for queued writes and leaves each file compacted. */
    async close() {
      clearInterval(timer);
      timer = undefined;
      await Promise.all(all.map((c) => c.close()));
    },
  };
}

/** The store has no logger of its own; a Node warning reaches stderr and `process.on('warning')`. */
function warn(message: string): void {
  process.emitWarning(message, { code: 'CIBA_OP_EMBEDDED_STORE' });
}
