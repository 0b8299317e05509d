/**
 * devMode conveniences so `npm start` gives a working OP at once: a demo client and a demo user,
 * with credentials printed in README.md. Never used outside devMode.
 */
import type { Config } from './config/types.js';
import type { UserRepo } from './store/ports.js';
import { hashSecret } from './users/password.js';

export const DEMO_CLIENT = {
  client_id: 'demo-client',
  client_secret: 'demo-secret',
  client_name: 'Demo RP',
  grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
  backchannel_token_delivery_mode: 'poll',
  token_endpoint_auth_method: 'client_secret_basic',
} as const;

export const DEMO_USER = { username: 'demo', password: 'demo-password', email: 'demo@example.com' } as const;

/**
 * The demo client joins the static clients unless the config already declares that id, or holds
 * every client to the FAPI-CIBA profile, which a client with a secret cannot meet.
 */
export function withDemoClient(config: Config): Config {
  if (!config.devMode || config.fapiCibaEnabled || config.clients.some((c) => c.client_id === DEMO_CLIENT.client_id)) return config;
  return { ...config, clients: [...config.clients, { ...DEMO_CLIENT, grant_types: [...DEMO_CLIENT.grant_types] }] };
}

export async function seedDemoUser(config: Config, users: UserRepo, now: number): Promise<void> {
  if (!config.devMode || (await users.get('demo-user'))) return;
  await users.create({
    sub: 'demo-user',
    username: DEMO_USER.username,
    email: DEMO_USER.email,
    phone_number: '+15555550100',
    claims: { name: 'Demo User', given_name: 'Demo', family_name: 'User', email_verified: true },
    passwordHash: await hashSecret(DEMO_USER.password),
    userCodeHash: null,
    disabled: false,
    createdAt: now,
    updatedAt: now,
  });
}
