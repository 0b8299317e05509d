/**
 * Pushing interception scripts into a running OP the way an operator does: the admin API,
 * with the bundled default scripts (scripts/*.ts) as sources.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { ADMIN_TOKEN } from '../protocol.js';

/** The hooks bc-authorize runs for a login_hint with a user_code and a binding_message. */
export const BC_AUTHORIZE_HOOKS = ['resolveLoginHint', 'validateUserCode', 'validateBindingMessage'] as const;

export function bundledSource(hook: string): string {
  return readFileSync(fileURLToPath(new URL(`../../scripts/${hook}.ts`, import.meta.url)), 'utf8');
}

/** Pushes a new version of script `name` and makes it the active one for `hook`. */
export async function pushActive(url: string, name: string, hook: string, source: string): Promise<void> {
  const res = await request(`${url}/admin/scripts/${name}/versions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hook, source, activate: true }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`pushing ${name} answered ${res.statusCode}: ${text}`);
}

/** The three bundled scripts, each active: the scripted run does the built-ins' work. */
export async function activateBundled(url: string): Promise<void> {
  for (const hook of BC_AUTHORIZE_HOOKS) await pushActive(url, hook, hook, bundledSource(hook));
}
