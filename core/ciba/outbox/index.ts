/**
 * Ping and push delivery, assembled for one OP process: the callback queue the protocol code
 * writes through, the dispatcher that sends, the expiry processor, and their counters.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '../../context.js';
import { ConfigError } from '../../config/load.js';
import { notificationEndpointPolicy } from '../../oauth/notification-endpoint.js';
import { startExpiryProcessor } from '../expiry-processor.js';
import type { PushDeps } from '../push.js';
import { Callbacks, type CallbackQueue } from './callbacks.js';
import { Dispatcher } from './dispatcher.js';
import { DeliveryMetrics, type DeliveryObserver } from './metrics.js';
import { CallbackPoster } from './post.js';
import { CallbackSender } from './sender.js';

export type { CallbackQueue } from './callbacks.js';
export type { DeliveryCounts, DeliveryEvent, DeliveryObserver } from './metrics.js';

export interface DeliveryDeps extends PushDeps {
  log: Logger;
  observe?: DeliveryObserver;
}

export interface Delivery {
  callbacks: CallbackQueue;
  metrics: DeliveryMetrics;
  /** Starts sending and the expiry processor. */
  start(): void;
  /** Stops claiming, finishes the callbacks in flight, closes connections. */
  close(): Promise<void>;
}

function readCa(file: string | null): string | null {
  if (file === null) return null;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`backchannelClientNotification.caFile: ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

export function createDelivery(deps: DeliveryDeps): Delivery {
  const { config, store, log, now } = deps;
  const settings = config.backchannelClientNotification;
  const leaseMs = settings.leaseSec * 1000;
  const metrics = new DeliveryMetrics(deps.observe);
  const poster = new CallbackPoster({
    policy: notificationEndpointPolicy(config),
    extraCa: readCa(settings.caFile),
    timeoutMs: settings.timeoutMs,
    maxResponseBytes: settings.maxResponseBytes,
  });
  const sender = new CallbackSender({
    ...deps,
    poster,
    metrics,
    backoff: { initialDelayMs: settings.retryInitialDelayMs, maxDelayMs: settings.retryMaxDelayMs },
    leaseMs,
    timeoutMs: settings.timeoutMs,
  });
  const dispatcher = new Dispatcher({
    outbox: store.outbox,
    log,
    now,
    concurrency: settings.concurrency,
    leaseMs,
    pollIntervalMs: settings.pollIntervalMs,
    process: (entry) => sender.process(entry),
  });
  const callbacks = new Callbacks({ outbox: store.outbox, now, leaseMs, handOver: (entries) => dispatcher.handOver(entries) });
  let expiry: { stop(): void } | null = null;
  return {
    callbacks,
    metrics,
    start() {
      dispatcher.start();
      expiry = startExpiryProcessor({
        authRequests: store.authRequests,
        callbacks,
        log,
        now,
        intervalSec: config.backchannelRequestsProcessorJobIntervalSec,
        chunkSize: config.backchannelRequestsProcessorJobChunkSize,
      });
    },
    async close() {
      expiry?.stop();
      await dispatcher.stop();
      poster.close();
    },
  };
}
