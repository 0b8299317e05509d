/**
 * The MongoDB collections behind the mongo adapter, their document shapes and indexes.
 */
import { MongoClient, type Collection, type Db, type IndexDescription } from 'mongodb';
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

export interface MongoStoreOptions {
  uri: string;
  database: string;
}

/** `_id` is the record's natural key (clientId, sub, id, digest, kid), kept beside it. */
export type Doc<T> = T & { _id: string };

/**
 * TTL indexes need BSON dates and the ports speak epoch ms, so records that MongoDB may delete
 * by itself carry a parallel `expireAt` date, written once at insert and never returned:
 * `purgeAt` for auth requests, `expiresAt` for tokens and enrollment codes — fields no update
 * ever changes — and failure counters, whose pipeline update rewrites both together.
 */
export type ExpiringDoc<T> = Doc<T> & { expireAt: Date };

export interface Collections {
  clients: Collection<Doc<ClientRecord>>;
  users: Collection<Doc<UserRecord>>;
  authRequests: Collection<ExpiringDoc<AuthRequestRecord>>;
  outbox: Collection<Doc<OutboxEntry>>;
  tokens: Collection<ExpiringDoc<TokenRecord>>;
  keys: Collection<Doc<KeyRecord>>;
  /** A used jti until its JWT expires; its expireAt follows expiresAt, which a takeover rewrites. */
  jtis: Collection<ExpiringDoc<{ expiresAt: number }>>;
  pairwiseSubjects: Collection<Doc<PairwiseSubjectRecord>>;
  scripts: Collection<Doc<ScriptRecord>>;
  scriptVersions: Collection<Doc<ScriptVersionRecord>>;
  scriptSecrets: Collection<Doc<{ script: string; name: string; sealed: string; updatedAt: number }>>;
  meta: Collection<Doc<{ value: number }>>;
  failureCounters: Collection<ExpiringDoc<FailureCounterRecord>>;
  devices: Collection<Doc<DeviceRecord>>;
  enrollmentCodes: Collection<ExpiringDoc<EnrollmentCodeRecord>>;
}

/** Besides these, `_id` is unique in every collection. */
const INDEXES: Record<keyof Collections, IndexDescription[]> = {
  clients: [],
  users: [
    { key: { username: 1 }, name: 'username_unique', unique: true },
    { key: { email: 1 }, name: 'email' },
    { key: { phone_number: 1 }, name: 'phone_number' },
  ],
  authRequests: [
    { key: { linkHash: 1 }, name: 'linkHash_unique', unique: true },
    // Also serves purge(), which deletes by the same date ahead of the TTL monitor.
    { key: { expireAt: 1 }, name: 'expireAt_ttl', expireAfterSeconds: 0 },
    // The expiry processor's query; only pending requests are indexed, and they are few.
    { key: { expiresAt: 1 }, name: 'pending_expiresAt', partialFilterExpression: { state: 'pending' } },
  ],
  // No TTL: a queued entry must outlive its auth request long enough to be dead-lettered and
  // logged; purge() removes settled entries past their deadline.
  outbox: [
    { key: { status: 1, nextAttemptAt: 1 }, name: 'status_nextAttemptAt' },
    { key: { deadline: 1 }, name: 'deadline' },
  ],
  tokens: [
    { key: { grantId: 1 }, name: 'grantId' },
    { key: { expireAt: 1 }, name: 'expireAt_ttl', expireAfterSeconds: 0 },
  ],
  keys: [],
  jtis: [{ key: { expireAt: 1 }, name: 'expireAt_ttl', expireAfterSeconds: 0 }],
  pairwiseSubjects: [],
  scripts: [],
  scriptVersions: [{ key: { name: 1, version: -1 }, name: 'name_version' }],
  scriptSecrets: [{ key: { script: 1, name: 1 }, name: 'script_name' }],
  meta: [],
  // Its expireAt follows purgeAt, which every recorded failure rewrites.
  failureCounters: [{ key: { expireAt: 1 }, name: 'expireAt_ttl', expireAfterSeconds: 0 }],
  devices: [{ key: { sub: 1, createdAt: 1 }, name: 'sub_createdAt' }],
  enrollmentCodes: [{ key: { expireAt: 1 }, name: 'expireAt_ttl', expireAfterSeconds: 0 }],
};

export function connect(options: MongoStoreOptions): { client: MongoClient; db: Db; collections: Collections } {
  // Records carry optional members set to undefined; stored as null they would come back as
  // null, unlike the embedded store and unlike their types, so undefined is simply left out.
  const client = new MongoClient(options.uri, { ignoreUndefined: true });
  const db = client.db(options.database);
  return {
    client,
    db,
    collections: {
      clients: db.collection('clients'),
      users: db.collection('users'),
      authRequests: db.collection('authRequests'),
      outbox: db.collection('outbox'),
      tokens: db.collection('tokens'),
      keys: db.collection('keys'),
      jtis: db.collection('jtis'),
      pairwiseSubjects: db.collection('pairwiseSubjects'),
      scripts: db.collection('scripts'),
      scriptVersions: db.collection('scriptVersions'),
      scriptSecrets: db.collection('scriptSecrets'),
      meta: db.collection('meta'),
      failureCounters: db.collection('failureCounters'),
      devices: db.collection('devices'),
      enrollmentCodes: db.collection('enrollmentCodes'),
    },
  };
}

/** Idempotent: creating an index that exists with the same options is a no-op. */
export async function createIndexes(collections: Collections): Promise<void> {
  await Promise.all(
    (Object.keys(INDEXES) as (keyof Collections)[])
      .filter((name) => INDEXES[name].length > 0)
      .map((name) => collections[name].createIndexes(INDEXES[name])),
  );
}
