/**
 * What the protocol modules need from the running OP, handed in explicitly (no globals):
 * Fastify routes receive it through a decorator, tests build it with createOp().
 */
import type { Config } from './config/types.js';
import type { CallbackQueue } from './ciba/outbox/callbacks.js';
import type { HookRunner } from './hooks/types.js';
import type { KeyRing } from './oauth/keys.js';
import type { ClientKeys } from './oauth/client-keys.js';
import type { PairwiseSubjects } from './oauth/pairwise.js';
import type { Metrics } from './metrics/registry.js';
import type { Store } from './store/ports.js';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface OpContext {
  config: Config;
  store: Store;
  keys: KeyRing;
  /** Clients' keys and secrets for checking the JWTs they send. */
  clientKeys: ClientKeys;
  /** The `sub` each client sees (public or pairwise) and back. */
  subjects: PairwiseSubjects;
  hooks: HookRunner;
  log: Logger;
  /** Takes auth requests out of `pending` so that their ping/push clients are called back. */
  callbacks: CallbackQueue;
  metrics: Metrics;
  /** Epoch ms; replaceable so tests can move time without sleeping. */
  now(): number;
}
