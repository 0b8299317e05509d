/** `ciba-op requests …`: list, show and cancel auth requests, through the admin API. */
import type { Command } from 'commander';
import type { RequestSummary } from '../admin/requests.js';
import { adminCommand, apiAction, when } from './admin-client.js';

interface ListFlags {
  state?: string;
  client?: string;
  sub?: string;
  limit: string;
}

function row(r: RequestSummary): string {
  return `${r.id}\t${r.state}\t${r.clientId}\t${r.sub}\tcreated ${when(r.createdAt)}\texpires ${when(r.expiresAt)}`;
}

function listPath(flags: ListFlags): string {
  const query = new URLSearchParams({ limit: flags.limit });
  if (flags.state) query.set('state', flags.state);
  if (flags.client) query.set('client_id', flags.client);
  if (flags.sub) query.set('sub', flags.sub);
  return `/admin/requests?${query}`;
}

const path = (id: string | undefined, suffix = '') => `/admin/requests/${encodeURIComponent(id ?? '')}${suffix}`;

export function requestsCommand(): Command {
  const requests = adminCommand('requests', 'inspect and cancel auth requests');

  requests
    .command('list')
    .description('list auth requests, newest first')
    .option('--state <state>', 'pending, approved, denied, expired, failed or issued')
    .option('--client <clientId>', 'of this client')
    .option('--sub <sub>', 'for this user')
    .option('--limit <n>', 'at most this many', '100')
    .action(apiAction<{ requests: RequestSummary[] }, ListFlags>((_args, opts) => ({ method: 'GET', path: listPath(opts) }), (out) => out.requests.map(row).join('\n') || 'no requests'));

  requests
    .command('show <authReqId>')
    .description('show an auth request (without its secrets)')
    .action(
      apiAction<RequestSummary>(
        ([id]) => ({ method: 'GET', path: path(id) }),
        (r) => [row(r), `scope: ${r.scope.join(' ')}`, `binding message: ${r.bindingMessage ?? '-'}`, `reason: ${r.reason ?? '-'}`].join('\n'),
      ),
    );

  requests
    .command('cancel <authReqId>')
    .description('cancel a pending or approved request; the client gets access_denied')
    .action(apiAction<RequestSummary>(([id]) => ({ method: 'POST', path: path(id, '/cancel') }), (r) => `${r.id} cancelled (${r.state})`));

  return requests;
}
