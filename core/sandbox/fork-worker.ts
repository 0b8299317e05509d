/**
 * Starting one sandbox worker process. Run from TypeScript source (tests, `npm run dev`) the
 * worker is the `.ts` file loaded through tsx; run from `dist/` it is the compiled `.js`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkerConfig } from './protocol.js';
import { STALL_FD } from './stall-guard.js';

/** The worker's own Node heap: it only holds messages; isolates have their own limits. */
const WORKER_HEAP_MB = 64;

export function workerEntry(): { modulePath: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const modulePath = fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url));
  // Several isolates in one process need --no-node-snapshot on Node 20+ (shared-heap crashes otherwise).
  const execArgv = ['--no-node-snapshot', `--max-old-space-size=${WORKER_HEAP_MB}`];
  if (fromSource) {
    // Resolved here, so the worker does not depend on its working directory to find tsx.
    execArgv.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href);
  }
  return { modulePath, execArgv };
}

export function forkWorker(config: WorkerConfig): ChildProcess {
  if (STALL_FD !== 4) throw new Error('the stall channel must be stdio index 4');
  const { modulePath, execArgv } = workerEntry();
  return fork(modulePath, [JSON.stringify(config)], {
    execArgv,
    serialization: 'json',
    // Nothing from the OP's environment (secrets, database URLs) reaches a worker.
    env: {},
    // stdout, stderr, the IPC channel, and the stall guard's channel (see stall-guard.ts).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc', 'pipe'],
  });
}
