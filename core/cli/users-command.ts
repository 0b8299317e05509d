/**
 * `ciba-op users …`: list, show, create, update, set-password, set-user-code, disable, enable —
 * through the admin API. Passwords and user codes are read from stdin, never from arguments.
 */
import type { Command } from 'commander';
import type { UserSummary } from '../admin/users.js';
import { CliError, adminCommand, apiAction, readStdin, when } from './admin-client.js';

interface ProfileFlags {
  username?: string;
  email?: string;
  phone?: string;
  claims?: string;
}

function row(u: UserSummary): string {
  return `${u.sub}\t${u.username}\t${u.email ?? '-'}\t${u.phone_number ?? '-'}\t${u.disabled ? 'DISABLED' : 'enabled'}`;
}

function details(u: UserSummary): string {
  const secrets = `password: ${u.hasPassword ? 'set' : 'none'}, user code: ${u.hasUserCode ? 'set' : 'none'}`;
  return [row(u), `${secrets}, created ${when(u.createdAt)}`, `claims: ${JSON.stringify(u.claims)}`].join('\n');
}

function profileFrom(flags: ProfileFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (flags.username !== undefined) out.username = flags.username;
  if (flags.email !== undefined) out.email = flags.email;
  if (flags.phone !== undefined) out.phone_number = flags.phone;
  if (flags.claims !== undefined) {
    try {
      out.claims = JSON.parse(flags.claims);
    } catch {
      throw new CliError('--claims must be a JSON object, e.g. {"name":"Jane Doe"}');
    }
  }
  return out;
}

function withProfileFlags(command: Command): Command {
  return command
    .option('--email <email>', 'email')
    .option('--phone <number>', 'phone_number (E.164)')
    .option('--claims <json>', 'claims as a JSON object; on update merged, a member set to null removed');
}

const path = (sub: string | undefined, suffix = '') => `/admin/users/${encodeURIComponent(sub ?? '')}${suffix}`;

export function usersCommand(): Command {
  const users = adminCommand('users', 'manage end-users');

  users
    .command('list')
    .description('list users: sub, username, email, phone, state')
    .option('--limit <n>', 'at most this many', '100')
    .action(
      apiAction<{ users: UserSummary[] }, { limit: string }>(
        (_args, opts) => ({ method: 'GET', path: `/admin/users?limit=${encodeURIComponent(opts.limit)}` }),
        (out) => out.users.map(row).join('\n') || 'no users',
      ),
    );

  users
    .command('show <sub>')
    .description('show a user (never its password or user code)')
    .action(apiAction<UserSummary>(([sub]) => ({ method: 'GET', path: path(sub) }), details));

  withProfileFlags(users.command('create').description('create a user'))
    .requiredOption('--username <username>', 'username')
    .option('--sub <sub>', 'subject identifier (default: random)')
    .option('--password-stdin', 'read an initial password from stdin')
    .action(
      apiAction<UserSummary, ProfileFlags & { sub?: string; passwordStdin?: boolean }>(
        async (_args, opts) => ({
          method: 'POST',
          path: '/admin/users',
          body: { ...profileFrom(opts), ...(opts.sub ? { sub: opts.sub } : {}), ...(opts.passwordStdin ? { password: await readStdin() } : {}) },
        }),
        (u) => `${u.sub} created`,
      ),
    );

  withProfileFlags(users.command('update <sub>').description("change a user's username, email, phone number or claims"))
    .option('--username <username>', 'username')
    .action(apiAction<UserSummary, ProfileFlags>(([sub], opts) => ({ method: 'PATCH', path: path(sub), body: profileFrom(opts) }), (u) => `${u.sub} updated`));

  users
    .command('set-password <sub>')
    .description('set the password, read from stdin')
    .action(apiAction<UserSummary>(async ([sub]) => ({ method: 'PUT', path: path(sub, '/password'), body: { password: await readStdin() } }), (u) => `${u.sub}: password set`));

  users
    .command('set-user-code <sub>')
    .description('set the CIBA user code, read from stdin; --remove takes it away')
    .option('--remove', 'remove the user code')
    .action(
      apiAction<UserSummary, { remove?: boolean }>(
        async ([sub], opts) => ({ method: 'PUT', path: path(sub, '/user-code'), body: { user_code: opts.remove ? null : await readStdin() } }),
        (u, _args, opts) => `${u.sub}: user code ${opts.remove ? 'removed' : 'set'}`,
      ),
    );

  for (const action of ['disable', 'enable'] as const) {
    users
      .command(`${action} <sub>`)
      .description(action === 'disable' ? 'disable a user: login hints no longer find it' : 'enable a disabled user')
      .action(apiAction<UserSummary>(([sub]) => ({ method: 'POST', path: path(sub, `/${action}`) }), (u) => `${u.sub} ${action}d`));
  }

  return users;
}
