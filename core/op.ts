/**
 * Builds a running OP from a configuration: store, keys, static clients, hooks, HTTP app and
 * background jobs, and tears them down in the reverse order. The CLI, tests and benchmarks
 * all start the OP through here.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { Config } from './config/types.js';
import type { OpContext } from './context.js';
import type { HookRunner } from './hooks/types.js';
import { BuiltinHookRunner } from './hooks/builtins.js';
import { KeyRing, resolveKeyEncryptionKey } from './oauth/keys.js';
import { syncStaticClients } from './oauth/static-clients.js';
import { seedDemoUser, withDemoClient } from './dev-seed.js';
import { createStore } from './store/index.js';
import type { Store } from './store/ports.js';
import { buildApp } from './http/app.js';
import { startPurgeJob } from './store/purge-job.js';
import { createLogger } from './logging.js';
import { closeNotifiers, createNotifiers } from './notify/notifiers.js';
import { createScripting, type Scripting } from './scripts/index.js';
import { scriptsRoutes } from './admin/scripts-routes.js';
import { enrollmentRoutes } from './admin/enrollment-routes.js';

export interface Op {
  context: OpContext;
  app: FastifyInstance;
  scripting: Scripting;
  /** Listens on config.host:config.port (0 picks a free port); resolves to the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface CreateOpOptions {
  /** Wrap the hook runner (scripts over built-ins); benchmarks use it to observe notifications. */
  hooks?: (builtins: HookRunner, context: Omit<OpContext, 'hooks'>) => HookRunner;
  logger?: PinoLogger;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
}

function storeFor(config: Config): Store {
  const { store } = config;
  return store.type === 'mongo'
    ? createStore({ type: 'mongo', uri: store.mongodbUri as string, database: store.mongodbDatabase })
    : createStore({ type: 'embedded', dataDir: store.dataDir, inMemory: store.inMemory });
}

export async function createOp(rawConfig: Config, options: CreateOpOptions = {}): Promise<Op> {
  const config = withDemoClient(rawConfig);
  const log = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  const store = storeFor(config);
  await store.init();
  try {
    const kek = resolveKeyEncryptionKey({
      configured: config.keys.encryptionKey,
      storeType: config.store.type,
      inMemory: config.store.inMemory,
      dataDir: config.store.dataDir,
    });
    const keys = await KeyRing.open(store.keys, config.keys.algorithms, kek, now());
    await syncStaticClients(config, store.clients, now(), options.env);
    await seedDemoUser(config, store.users, now());

    const notifiers = createNotifiers(config, log);
    const base = { config, store, keys, log, now };
    const builtins = new BuiltinHookRunner({ config, users: store.users, notifiers, log });
    const scripting = await createScripting({ config, store, kek, notifiers, builtins, log, now });
    const hooks = options.hooks ? options.hooks(scripting.hooks, base) : scripting.hooks;
    const context: OpContext = { ...base, hooks };
    const app = await buildApp(context, log, [scriptsRoutes(scripting.service, config.adminToken), enrollmentRoutes(context)]);
    const purge = startPurgeJob(context);

    return {
      context,
      app,
      scripting,
      async listen() {
        return app.listen({ host: config.host, port: config.port });
      },
      async close() {
        purge.stop();
        await app.close();
        await scripting.close();
        await closeNotifiers(notifiers);
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
