/** The `ciba-op` command tree; main.ts runs it, tests drive it in-process. */
import { Command } from 'commander';
import { clientsCommand } from './clients-command.js';
import { keysCommand } from './keys-command.js';
import { requestsCommand } from './requests-command.js';
import { scriptsCommand } from './scripts-command.js';
import { startCommand } from './start-command.js';
import { usersCommand } from './users-command.js';

export function buildProgram(): Command {
  return new Command('ciba-op')
    .description('OpenID Provider for CIBA with sandboxed interception scripts')
    .addCommand(startCommand())
    .addCommand(clientsCommand())
    .addCommand(usersCommand())
    .addCommand(keysCommand())
    .addCommand(requestsCommand())
    .addCommand(scriptsCommand());
}
