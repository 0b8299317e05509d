/** The one place that picks a store adapter from configuration. */
import { createEmbeddedStore } from './embedded/index.js';
import type { Store } from './ports.js';

export type StoreOptions =
  | { type: 'embedded'; dataDir?: string; inMemory?: boolean }
  | { type: 'mongo'; uri: string; database: string };

/**
 * The MongoDB driver weighs ~20 MB of memory, which the embedded default should not carry, so
 * the mongo adapter is imported by `init()`. Until then the store answers only `kind`, `init`
 * and `close`; everything else is the real adapter's, reached through this proxy.
 */
function deferredMongoStore(options: { uri: string; database: string }): Store {
  let real: Store | undefined;
  const init = async (): Promise<void> => {
    real ??= (await import('./mongo/index.js')).createMongoStore(options);
    await real.init();
  };
  const close = async (): Promise<void> => real?.close();
  return new Proxy({} as Store, {
    get(_target, member) {
      if (member === 'kind') return 'mongo';
      if (member === 'init') return init;
      if (member === 'close') return close;
      if (!real) throw new Error('mongo store: call init() before using it');
      return Reflect.get(real, member);
    },
  });
}

/** Opens nothing yet: call `init()` before use and `close()` at the end. */
export function createStore(options: StoreOptions): Store {
  switch (options.type) {
    case 'embedded':
      return createEmbeddedStore(options);
    case 'mongo':
      return deferredMongoStore(options);
  }
}
