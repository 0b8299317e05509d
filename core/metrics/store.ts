/**
 * Store metrics, taken at the ports: the latency of every repository operation, and auth request
 * outcomes from the one place every state change passes (transition and create). So both
 * adapters, and every caller — endpoints, background jobs, the admin API — are covered without
 * a call site counting anything.
 */
import type { Store } from '../store/ports.js';
import type { Metrics } from './registry.js';

type Method = (...args: unknown[]) => Promise<unknown>;

/** The outcome an auth request operation's result stands for, and how many requests it covers. */
const OUTCOMES: Record<string, (args: unknown[], result: unknown) => [string, number] | null> = {
  create: () => ['accepted', 1],
  transition: (args, result) => (result ? [String(args[2]), 1] : null),
  expire: (_args, result) => (typeof result === 'number' && result > 0 ? ['expired', result] : null),
};

function methodNames(repo: object): string[] {
  const names = new Set<string>();
  for (let proto: object | null = repo; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof (repo as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

function timedRepo(repoName: string, repo: object, metrics: Metrics): object {
  const timed: Record<string, Method> = {};
  for (const name of methodNames(repo)) {
    const method = (repo as Record<string, Method>)[name] as Method;
    const duration = metrics.storeDuration.labels({ repo: repoName, operation: name });
    const errors = metrics.storeErrors.labels({ repo: repoName, operation: name });
    const outcome = repoName === 'authRequests' ? OUTCOMES[name] : undefined;
    timed[name] = async (...args) => {
      const started = performance.now();
      try {
        const result = await method.apply(repo, args);
        const counted = outcome?.(args, result);
        if (counted) metrics.authRequests.inc({ outcome: counted[0] }, counted[1]);
        return result;
      } catch (err) {
        errors.inc();
        throw err;
      } finally {
        duration.observe((performance.now() - started) / 1000);
      }
    };
  }
  return timed;
}

export function instrumentStore(store: Store, metrics: Metrics): Store {
  const instrumented: Record<string, unknown> = { ...store };
  for (const [name, value] of Object.entries(store)) {
    if (typeof value === 'object' && value !== null) instrumented[name] = timedRepo(name, value, metrics);
  }
  return instrumented as unknown as Store;
}
