/**
 * The store contract against MongoDB: `MONGODB_URI` when set, else a mongod that
 * mongodb-memory-server-core starts (when it has or can fetch a binary within 15 s). With
 * neither, the suite is registered as skipped and one SKIPPED line says why — never a silent pass.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoMemoryServer } from 'mongodb-memory-server-core';
import { describe } from 'vitest';
import { createStore } from '../../core/store/index.js';
import type { Store } from '../../core/store/ports.js';
import { runStoreContract } from './contract.js';

const START_TIMEOUT_MS = 15_000;

type Mongod = { uri: string; stop: () => Promise<void> } | { reason: string };

async function findMongod(): Promise<Mongod> {
  const fromEnv = process.env['MONGODB_URI'];
  if (fromEnv) return { uri: fromEnv, stop: async () => undefined };
  // The library reports its own failure on console.warn before rejecting; that reason belongs
  // in the one SKIPPED line, not in a stack trace beside it.
  const warn = console.warn;
  console.warn = () => undefined;
  const starting = MongoMemoryServer.create();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no mongod within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  });
  try {
    const server = await Promise.race([starting, timeout]);
    return { uri: server.getUri(), stop: async () => void (await server.stop()) };
  } catch (err) {
    // A server that comes up after we gave up must not outlive the run.
    starting.then((late) => late.stop()).catch(() => undefined);
    const why = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    return { reason: `MONGODB_URI is not set and mongodb-memory-server-core gave no mongod: ${why}` };
  } finally {
    clearTimeout(timer);
    console.warn = warn;
  }
}

const mongod = await findMongod();

if ('reason' in mongod) {
  console.log(`SKIPPED mongo store contract: ${mongod.reason}`);
  describe.skip(`mongo store contract — SKIPPED: ${mongod.reason}`, () => {
    runStoreContract('mongo', () => Promise.reject(new Error('skipped')), async () => undefined);
  });
} else {
  // One database for this run, emptied before each test and dropped at the end.
  const database = `ciba_op_contract_${randomBytes(6).toString('hex')}`;
  const admin = new MongoClient(mongod.uri);
  const open = async (): Promise<Store> => {
    const store = createStore({ type: 'mongo', uri: mongod.uri, database });
    await store.init();
    return store;
  };
  runStoreContract(
    'mongo',
    async () => {
      await admin.db(database).dropDatabase();
      return open();
    },
    async () => {
      await admin.db(database).dropDatabase();
      await admin.close();
      await mongod.stop();
    },
    open,
  );
}
