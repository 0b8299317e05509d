#!/usr/bin/env node
/** `ciba-op start [--config file]`: load configuration, start the OP, stop cleanly on signals. */
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.js';
import { createOp } from '../op.js';
import { KeyEncryptionKeyError } from '../oauth/keys.js';

async function start(options: { config?: string }): Promise<void> {
  let op;
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
  const url = await op.listen();
  op.context.log.info({ url, issuer: op.context.config.issuer, store: op.context.store.kind }, 'ciba-op listening');
  const stop = async (signal: string) => {
    op.context.log.info({ signal }, 'shutting down');
    await op.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

const program = new Command('ciba-op').description('OpenID Provider for CIBA with sandboxed interception scripts');
program
  .command('start')
  .description('start the OP')
  .option('-c, --config <file>', 'JSON file overriding config/default.json (else CIBA_OP_CONFIG)')
  .action(start);

await program.parseAsync();
