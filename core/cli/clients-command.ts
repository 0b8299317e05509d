/**
 * `ciba-op clients …`: list, show, create, update, rotate-secret, disable, enable, delete — through
 * the admin API. Metadata is RFC 7591 JSON, from `--metadata <file>` and/or the common flags.
 */
import type { Command } from 'commander';
import type { ClientSummary } from '../admin/clients.js';
import { CliError, adminCommand, apiAction, readJsonFile, when } from './admin-client.js';

type WithSecret = { client: ClientSummary; client_secret: string };

interface MetadataFlags {
  metadata?: string;
  name?: string;
  grantTypes?: string;
  deliveryMode?: string;
  notificationEndpoint?: string;
  scope?: string;
  authMethod?: string;
  userCode?: boolean;
}

function row(c: ClientSummary): string {
  return `${c.clientId}\t${c.source}\t${c.disabled ? 'DISABLED' : 'enabled'}\t${c.metadata.backchannel_token_delivery_mode ?? '-'}\t${c.metadata.client_name ?? ''}`;
}

/** The metadata file, with each flag given laid over it. */
function metadataFrom(flags: MetadataFlags): Record<string, unknown> {
  const base = flags.metadata ? readJsonFile(flags.metadata) : {};
  if (typeof base !== 'object' || base === null || Array.isArray(base)) throw new CliError(`${flags.metadata} must hold a JSON object`);
  const out: Record<string, unknown> = { ...base };
  if (flags.name !== undefined) out.client_name = flags.name;
  if (flags.grantTypes !== undefined) out.grant_types = flags.grantTypes.split(',').map((g) => g.trim()).filter(Boolean);
  if (flags.deliveryMode !== undefined) out.backchannel_token_delivery_mode = flags.deliveryMode;
  if (flags.notificationEndpoint !== undefined) out.backchannel_client_notification_endpoint = flags.notificationEndpoint;
  if (flags.scope !== undefined) out.scope = flags.scope;
  if (flags.authMethod !== undefined) out.token_endpoint_auth_method = flags.authMethod;
  if (flags.userCode !== undefined) out.backchannel_user_code_parameter = flags.userCode;
  return out;
}

function withMetadataFlags(command: Command): Command {
  return command
    .option('--metadata <file>', 'JSON file with RFC 7591 client metadata')
    .option('--name <name>', 'client_name')
    .option('--grant-types <list>', 'comma-separated grant_types (default: dynamicGrantTypeDefault)')
    .option('--delivery-mode <mode>', 'backchannel_token_delivery_mode: poll, ping or push')
    .option('--notification-endpoint <url>', 'backchannel_client_notification_endpoint (ping, push)')
    .option('--scope <scopes>', 'space-separated scopes the client may ask for')
    .option('--auth-method <method>', 'token_endpoint_auth_method')
    .option('--user-code', 'backchannel_user_code_parameter: true');
}

const path = (clientId: string | undefined, suffix = '') => `/admin/clients/${encodeURIComponent(clientId ?? '')}${suffix}`;
const shownOnce = (secret: string) => `client_secret: ${secret}\n(shown once: store it now)`;

export function clientsCommand(): Command {
  const clients = adminCommand('clients', 'manage clients (relying parties)');

  clients
    .command('list')
    .description('list clients: id, source, state, delivery mode, name')
    .action(apiAction<{ clients: ClientSummary[] }>(() => ({ method: 'GET', path: '/admin/clients' }), (out) => out.clients.map(row).join('\n') || 'no clients'));

  clients
    .command('show <clientId>')
    .description('show a client and its metadata')
    .action(
      apiAction<ClientSummary>(
        ([id]) => ({ method: 'GET', path: path(id) }),
        (c) => [row(c), `created ${when(c.createdAt)}`, JSON.stringify(c.metadata, null, 2)].join('\n'),
      ),
    );

  withMetadataFlags(clients.command('create').description('create a client; its secret is printed once'))
    .option('--client-id <id>', 'the client_id (default: random)')
    .action(
      apiAction<WithSecret, MetadataFlags & { clientId?: string }>(
        (_args, opts) => ({ method: 'POST', path: '/admin/clients', body: { ...metadataFrom(opts), ...(opts.clientId ? { client_id: opts.clientId } : {}) } }),
        (out) => `${out.client.clientId} created\n${shownOnce(out.client_secret)}`,
      ),
    );

  withMetadataFlags(clients.command('update <clientId>').description("replace a client's metadata (the file, with the flags laid over it)")).action(
    apiAction<ClientSummary, MetadataFlags>(([id], opts) => ({ method: 'PUT', path: path(id), body: metadataFrom(opts) }), (c) => `${c.clientId} updated`),
  );

  clients
    .command('rotate-secret <clientId>')
    .description('issue a new client secret; the old one stops working at once')
    .action(apiAction<WithSecret>(([id]) => ({ method: 'POST', path: path(id, '/secret') }), (out) => `${out.client.clientId}: new ${shownOnce(out.client_secret)}`));

  for (const action of ['disable', 'enable'] as const) {
    clients
      .command(`${action} <clientId>`)
      .description(action === 'disable' ? 'disable a client: it fails authentication until enabled' : 'enable a disabled client')
      .action(apiAction<ClientSummary>(([id]) => ({ method: 'POST', path: path(id, `/${action}`) }), (c) => `${c.clientId} ${action}d`));
  }

  clients
    .command('delete <clientId>')
    .description('delete a client')
    .action(apiAction(([id]) => ({ method: 'DELETE', path: path(id) }), (_out, [id]) => `${id} deleted`));

  return clients;
}
