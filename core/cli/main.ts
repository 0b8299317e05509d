#!/usr/bin/env node
/**
 * The `ciba-op` command. `start [--config file]` loads the configuration, starts the OP and stops
 * cleanly on signals; `scripts …` manages interception scripts through the admin API.
 */
import { Command } from 'commander';
import { CliError, scriptsCommand } from './scripts-command.js';

async function start(options: { config?: string }): Promise<void> {
  // Loaded here, not at the top: the scripts subcommands need none of the OP.
  const [{ ConfigError, loadConfig }, { createOp }, { KeyEncryptionKeyError }] = await Promise.all([
    import('../config/load.js'),
    import('../op.js'),
    import('../oauth/keys.js'),
  ]);
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
program.addCommand(scriptsCommand());

try {
  await program.parseAsync();
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  process.stderr.write(`ciba-op: ${err.message}\n`);
  process.exitCode = 1;
}
