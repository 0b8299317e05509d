/** The `ciba-op` command tree; main.ts runs it, tests drive it in-process. */
import { Command } from 'commander';
import { clientsCommand } from './clients-command.js';
import { keysCommand } from './keys-command.js';
import { requestsCommand } from './requests-command.js';
import { scriptsCommand } from './scripts-command.js';
import { startCommand } from './start-command.js';
import { usersCommand } from './users-command.js';

export function buildProgram(): Command {
  const program = new Command('ciba-op')
    .description('OpenID Provider for CIBA with sandboxed interception scripts')
    .addCommand(startCommand())
    .addCommand(clientsCommand())
    .addCommand(usersCommand())
    .addCommand(keysCommand())
    .addCommand(requestsCommand())
    .addCommand(scriptsCommand());
  acceptDashedArguments(program);
  return program;
}

/**
 * Generated ids (auth_req_id, client_id, sub) are base64url, and one in 64 starts with '-',
 * which commander would take for an unknown option (`requests show -x2…` failed). Commands that
 * take a fixed number of arguments therefore read unknown options as arguments; a mistyped
 * option there fails as one argument too many instead (commander refuses excess arguments).
 * A command whose last argument is variadic (file lists) keeps refusing unknown options: one
 * would silently become a file name.
 */
function acceptDashedArguments(command: Command): void {
  const args = command.registeredArguments;
  if (args.length > 0 && !args[args.length - 1]!.variadic) command.allowUnknownOption();
  for (const sub of command.commands) acceptDashedArguments(sub);
}
