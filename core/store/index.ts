/** The one place that picks a store adapter from configuration. */
import { createEmbeddedStore } from './embedded/index.js';
import { createMongoStore } from './mongo/index.js';
import type { Store } from './ports.js';

export type StoreOptions =
  | { type: 'embedded'; dataDir?: string; inMemory?: boolean }
  | { type: 'mongo'; uri: string; database: string };

/** Opens nothing yet: call `init()` before use and `close()` at the end. */
export function createStore(options: StoreOptions): Store {
  switch (options.type) {
    case 'embedded':
      return createEmbeddedStore(options);
    case 'mongo':
      return createMongoStore(options);
  }
}
