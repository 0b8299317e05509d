/**
 * The embedded store: records in Maps in this process (collection.ts), on durable files in
 * nedb's format or in memory only. One process only — atomicity rests on each check-and-set
 * being synchronous, with no `await` between the read and the write. Nothing expires by itself:
 * records go when `purge` is called (core/store/purge-job.ts). Records come back deep-frozen
 * (read-only), without a copy. On files, close() waits for queued writes and compacts.
 */
import type { Store } from '../ports.js';
import { EmbeddedAuthRequestRepo } from './auth-requests.js';
import { EmbeddedClientRepo } from './clients.js';
import { EmbeddedDeviceRepo } from './devices.js';
import { EmbeddedEnrollmentCodeRepo } from './enrollment-codes.js';
import { EmbeddedFailureCounterRepo } from './failure-counters.js';
import { openCollections, type EmbeddedStoreOptions } from './collections.js';
import { EmbeddedJtiRepo } from './jtis.js';
import { EmbeddedKeyRepo } from './keys.js';
import { EmbeddedOutboxRepo } from './outbox.js';
import { EmbeddedPairwiseSubjectRepo } from './pairwise-subjects.js';
import { EmbeddedScriptRepo, EmbeddedScriptSecretRepo } from './scripts.js';
import { EmbeddedTokenRepo } from './tokens.js';
import { EmbeddedUserRepo } from './users.js';

export type { EmbeddedStoreOptions };

export function createEmbeddedStore(options: EmbeddedStoreOptions): Store {
  const { collections, load, close } = openCollections(options);
  let closed = false;
  return {
    kind: 'embedded',
    clients: new EmbeddedClientRepo(collections.clients),
    users: new EmbeddedUserRepo(collections.users),
    authRequests: new EmbeddedAuthRequestRepo(collections.authRequests),
    outbox: new EmbeddedOutboxRepo(collections.outbox),
    tokens: new EmbeddedTokenRepo(collections.tokens),
    keys: new EmbeddedKeyRepo(collections.keys),
    jtis: new EmbeddedJtiRepo(collections.jtis),
    pairwiseSubjects: new EmbeddedPairwiseSubjectRepo(collections.pairwiseSubjects),
    scripts: new EmbeddedScriptRepo(collections.scripts, collections.scriptVersions, collections.meta),
    scriptSecrets: new EmbeddedScriptSecretRepo(collections.scriptSecrets),
    failureCounters: new EmbeddedFailureCounterRepo(collections.failureCounters),
    devices: new EmbeddedDeviceRepo(collections.devices),
    enrollmentCodes: new EmbeddedEnrollmentCodeRepo(collections.enrollmentCodes),
    init: load,
    async ping() {
      if (closed) throw new Error('embedded store is closed');
    },
    async close() {
      closed = true;
      await close();
    },
  };
}
