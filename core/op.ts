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
import { ClientKeys } from './oauth/client-keys.js';
import { clientJwtVerifier } from './oauth/client-jwt.js';
import { RemoteJwksCache } from './oauth/jwks-fetch.js';
import { PairwiseSubjects } from './oauth/pairwise.js';
import { seedDemoUser, withDemoClient } from './dev-seed.js';
import { createStore } from './store/index.js';
import type { Store } from './store/ports.js';
import { buildApp } from './http/app.js';
import { startPurgeJob } from './store/purge-job.js';
import { createDelivery, type Delivery, type DeliveryObserver } from './ciba/outbox/index.js';
import { createLogger } from './logging.js';
import { closeNotifiers, createNotifiers } from './notify/notifiers.js';
import { createScripting, type Scripting } from './scripts/index.js';
import { adminApi } from './admin/index.js';
import { Metrics } from './metrics/registry.js';
import { instrumentStore } from './metrics/store.js';
import { countedNotifiers } from './metrics/notifiers.js';
import { scriptCallMetrics } from './metrics/scripts.js';
import { outboxMetrics } from './metrics/outbox.js';
import { metricsRoutes } from './metrics/routes.js';
import { healthRoutes } from './http/health.js';

export interface Op {
  context: OpContext;
  app: FastifyInstance;
  scripting: Scripting;
  /** Ping/push callbacks: the outbox worker of this process and its counters. */
  delivery: Delivery;
  /** Listens on config.host:config.port (0 picks a free port); resolves to the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface CreateOpOptions {
  /** Wrap the hook runner (scripts over built-ins); benchmarks use it to observe notifications. */
  hooks?: (builtins: HookRunner, context: Omit<OpContext, 'hooks' | 'callbacks'>) => HookRunner;
  logger?: PinoLogger;
  now?: () => number;
  /** Hears every callback attempt, delivery, retry and dead letter (metrics). */
  observeDelivery?: DeliveryObserver;
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
  const metrics = new Metrics();
  const store = instrumentStore(storeFor(config), metrics);
  await store.init();
  try {
    const kek = resolveKeyEncryptionKey({
      configured: config.keys.encryptionKey,
      storeType: config.store.type,
      inMemory: config.store.inMemory,
      dataDir: config.store.dataDir,
    });
    const keys = await KeyRing.open(store.keys, config.keys.algorithms, kek, now());
    const clientKeys = new ClientKeys(new RemoteJwksCache(config), kek);
    const subjects = new PairwiseSubjects(kek, store.pairwiseSubjects, now);
    await syncStaticClients(config, store.clients, now(), clientKeys, options.env);
    await seedDemoUser(config, store.users, now());

    const notifiers = countedNotifiers(await createNotifiers(config, log), metrics);
    const base = { config, store, keys, clientKeys, subjects, log, metrics, now };
    const delivery = createDelivery({ ...base, kek, observe: outboxMetrics(metrics, options.observeDelivery) });
    metrics.observeOutboxDepth(() => store.outbox.countQueued());
    const verifyClientJwt = clientJwtVerifier({ config, clients: store.clients, clientKeys, now });
    const builtins = new BuiltinHookRunner({ config, users: store.users, notifiers, log, verifyClientJwt });
    const scripting = await createScripting({ config, store, kek, notifiers, builtins, verifyClientJwt, log, now, observeCall: scriptCallMetrics(metrics) });
    metrics.observeSandbox(scripting.sandbox);
    const hooks = options.hooks ? options.hooks(scripting.hooks, base) : scripting.hooks;
    const context: OpContext = { ...base, callbacks: delivery.callbacks, hooks };
    const app = await buildApp(context, log, [adminApi(context, scripting.service)]);
    const readiness = [
      { name: 'store', check: () => store.ping() },
      { name: 'keys', check: () => void (keys.loaded || fail('signing keys are not loaded')) },
      { name: 'scripts', check: () => void (scripting.ready || fail('the script table is not loaded')) },
    ];
    await app.register(healthRoutes(readiness));
    if (config.metrics.enabled) await app.register(metricsRoutes(metrics, config.metrics.token));
    const purge = startPurgeJob(context);
    delivery.start();
    const keyRefresh = keys.keepFresh(config.keys.refreshIntervalSec, now, log);

    return {
      context,
      app,
      scripting,
      delivery,
      async listen() {
        return app.listen({ host: config.host, port: config.port });
      },
      /**
       * Graceful, in dependency order: stop the timers, stop accepting and finish the requests
       * in flight (Fastify answers 503 to requests arriving meanwhile on kept-alive connections,
       * /readyz included), finish the post-response jobs they left (end-user notifications), let
       * script calls in flight end, then close notifiers and the store.
       */
      async close() {
        purge.stop();
        keyRefresh.stop();
        await app.close();
        await app.postResponseJobs.drain();
        await delivery.close();
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

function fail(reason: string): never {
  throw new Error(reason);
}
