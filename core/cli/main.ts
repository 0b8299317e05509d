#!/usr/bin/env node
/**
 * The `ciba-op` command: `start` runs the OP; `clients`, `users`, `keys`, `requests` and
 * `scripts` talk to a running OP's admin API. `--help` on any of them says more.
 */
import { CliError } from './admin-client.js';
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync();
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  process.stderr.write(`ciba-op: ${err.message}\n`);
  process.exitCode = 1;
}
