/**
 * The MongoDB store: every state change is one conditional findOneAndUpdate (or updateMany),
 * so any number of OP processes can share one replica set.
 */
import type { Store } from '../ports.js';
import { MongoAuthRequestRepo } from './auth-requests.js';
import { MongoClientRepo } from './clients.js';
import { MongoDeviceRepo } from './devices.js';
import { MongoEnrollmentCodeRepo } from './enrollment-codes.js';
import { MongoFailureCounterRepo } from './failure-counters.js';
import { connect, createIndexes, type MongoStoreOptions } from './collections.js';
import { MongoJtiRepo } from './jtis.js';
import { MongoKeyRepo } from './keys.js';
import { MongoOutboxRepo } from './outbox.js';
import { MongoPairwiseSubjectRepo } from './pairwise-subjects.js';
import { MongoScriptRepo, MongoScriptSecretRepo } from './scripts.js';
import { MongoTokenRepo } from './tokens.js';
import { MongoUserRepo } from './users.js';

export type { MongoStoreOptions };

export function createMongoStore(options: MongoStoreOptions): Store {
  const { client, db, collections } = connect(options);
  return {
    kind: 'mongo',
    clients: new MongoClientRepo(collections.clients),
    users: new MongoUserRepo(collections.users),
    authRequests: new MongoAuthRequestRepo(collections.authRequests),
    outbox: new MongoOutboxRepo(collections.outbox),
    tokens: new MongoTokenRepo(collections.tokens),
    keys: new MongoKeyRepo(collections.keys),
    jtis: new MongoJtiRepo(collections.jtis),
    pairwiseSubjects: new MongoPairwiseSubjectRepo(collections.pairwiseSubjects),
    scripts: new MongoScriptRepo(collections.scripts, collections.scriptVersions, collections.meta, db),
    scriptSecrets: new MongoScriptSecretRepo(collections.scriptSecrets),
    failureCounters: new MongoFailureCounterRepo(collections.failureCounters),
    devices: new MongoDeviceRepo(collections.devices),
    enrollmentCodes: new MongoEnrollmentCodeRepo(collections.enrollmentCodes),
    async init() {
      await client.connect();
      await createIndexes(collections);
    },
    async ping() {
      await db.command({ ping: 1 });
    },
    close: () => client.close(),
  };
}
