/** `ciba-op keys …`: list the signing keys and rotate them, through the admin API. */
import type { Command } from 'commander';
import type { KeyInfo, Rotation } from '../oauth/keys.js';
import { adminCommand, apiAction, when } from './admin-client.js';

function row(k: KeyInfo): string {
  const status = `${k.status}${k.signing ? ' (signing)' : ''}`;
  return `${k.kid}\t${k.alg}\t${status}\t${k.published ? 'published' : 'unpublished'}\tcreated ${when(k.createdAt)}\tleaves JWKS ${when(k.retireAt)}`;
}

function rotated(r: Rotation): string {
  return `${r.alg}: now signing with ${r.kid}${r.retired.map((old) => `\n  retired ${old.kid}, in the JWKS until ${when(old.retireAt)}`).join('')}`;
}

export function keysCommand(): Command {
  const keys = adminCommand('keys', 'manage signing keys');

  keys
    .command('list')
    .description('list signing keys: kid, alg, status, whether signing and published, when created and retired')
    .action(apiAction<{ keys: KeyInfo[] }>(() => ({ method: 'GET', path: '/admin/keys' }), (out) => out.keys.map(row).join('\n')));

  keys
    .command('rotate')
    .description('a new key per algorithm signs from now on; old keys stay in the JWKS until their tokens expire')
    .option('--alg <alg...>', 'only these algorithms (default: every configured one)')
    .action(
      apiAction<{ rotated: Rotation[] }, { alg?: string[] }>(
        (_args, opts) => ({ method: 'POST', path: '/admin/keys/rotate', body: opts.alg ? { algorithms: opts.alg } : {} }),
        (out) => out.rotated.map(rotated).join('\n'),
      ),
    );

  return keys;
}
