/**
 * `ciba-op start`: load the configuration, start the OP, and stop it gracefully on SIGTERM or
 * SIGINT. The first signal closes the OP — stop accepting, finish the requests, post-response
 * jobs and script calls in flight, close the store — and exits 0; past `shutdown.deadlineSec`
 * the process exits 1 with whatever was unfinished, and a second signal exits 1 at once.
 */
import { Command } from 'commander';
import type { Op } from '../op.js';

function stopOnSignals(op: Op): void {
  const log = op.context.log;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    const deadlineSec = op.context.config.shutdown.deadlineSec;
    log.info({ signal, deadlineSec }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ deadlineSec }, 'shutdown deadline passed: exiting with work unfinished');
      process.exit(1);
    }, deadlineSec * 1000);
    op.close().then(
      () => {
        clearTimeout(deadline);
        log.info({ signal }, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function start(options: { config?: string }): Promise<void> {
  // Loaded here, not at the top: the admin subcommands need none of the OP.
  const [{ ConfigError, loadConfig }, { createOp }, { KeyEncryptionKeyError }] = await Promise.all([
    import('../config/load.js'),
    import('../op.js'),
    import('../oauth/keys.js'),
  ]);
  let op: Op;
  try {
    const config = loadConfig(options.config ? { file: options.config } : {});
    op = await createOp(config);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof KeyEncryptionKeyError) {
      process.stderr.write(`ciba-op: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  stopOnSignals(op);
  const url = await op.listen();
  op.context.log.info({ url, issuer: op.context.config.issuer, store: op.context.store.kind, pid: process.pid }, 'ciba-op listening');
}

export function startCommand(): Command {
  return new Command('start')
    .description('start the OP; SIGTERM or SIGINT stops it gracefully within shutdown.deadlineSec')
    .option('-c, --config <file>', 'JSON file overriding config/default.json (else CIBA_OP_CONFIG)')
    .action(start);
}
