/**
 * Our OP under load, from the compiled dist/ (`npm run build`; BENCH_OP_ROOT may point at
 * another build): embedded in-memory store, warn-level logging, one static poll client, USERS
 * users, and the end-user notification replaced by handing the link to the driver over IPC —
 * every other hook and step is the real one.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HookInputs, HookMeta, HookName, HookOutputs, HookRunner } from '../../core/hooks/types.js';
import {
  ADMIN_TOKEN,
  CIBA_GRANT,
  CLIENT,
  OP_ROOT_ENV,
  PING_CA_ENV,
  PING_ENDPOINT_ENV,
  POLL_INTERVAL_SEC,
  TTL,
  USER_CODE,
  USER_CODES_ENV,
  USERS,
  userSub,
} from '../protocol.js';
import { benchPort, sendLink, stopWithDriver, toDriver } from './lifecycle.js';

// This file runs transpiled from bench/out/servers/, so dist/ is found from the package root.
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) throw new Error('package.json not found above the launcher');
    dir = dirname(dir);
  }
  return dir;
}
const opRoot = process.env[OP_ROOT_ENV] || packageRoot();
async function fromDist<T>(module: string): Promise<T> {
  return (await import(pathToFileURL(join(opRoot, 'dist', module)).href)) as T;
}

const { createOp } = await fromDist<typeof import('../../core/op.js')>('core/op.js');
const { loadConfig } = await fromDist<typeof import('../../core/config/load.js')>('core/config/load.js');
const { hashSecret } = await fromDist<typeof import('../../core/users/password.js')>('core/users/password.js');

const NOTIFIED: HookOutputs['notifyEndUser'] = { sent: [{ channel: 'bench', delivered: true }] };

/** The real runner for every hook but notifyEndUser, which hands the link to the load. */
class BenchHooks implements HookRunner {
  constructor(private readonly builtins: HookRunner) {}
  run<H extends HookName>(hook: H, input: HookInputs[H], meta: HookMeta): Promise<HookOutputs[H]> {
    if (hook !== 'notifyEndUser') return this.builtins.run(hook, input, meta);
    const { authReqId, link } = input as HookInputs['notifyEndUser'];
    sendLink(authReqId, link);
    return Promise.resolve(NOTIFIED as HookOutputs[H]);
  }
}

stopWithDriver();
const userCodes = Boolean(process.env[USER_CODES_ENV]);
/**
 * ping-flows: the bench client is a ping client calling the load's receiver back; the OP trusts
 * the test CA and lets notification endpoints reach that one 127.0.0.1 host:port, as the tests
 * configure it (everything else in its TLS verification and SSRF checks stays on).
 */
const pingEndpoint = process.env[PING_ENDPOINT_ENV];
const ping = pingEndpoint
  ? {
      client: { backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: pingEndpoint },
      config: { backchannelClientNotification: { allowPrivateHosts: [new URL(pingEndpoint).host], caFile: process.env[PING_CA_ENV] ?? null } },
    }
  : { client: { backchannel_token_delivery_mode: 'poll' }, config: {} };
const port = benchPort();
const url = `http://127.0.0.1:${port}`;
const config = loadConfig({
  env: {},
  overrides: {
    issuer: url,
    host: '127.0.0.1',
    port,
    logLevel: 'warn',
    adminToken: userCodes ? ADMIN_TOKEN : null,
    store: { inMemory: true },
    backchannelAuthenticationResponseInterval: POLL_INTERVAL_SEC,
    backchannelAuthenticationResponseExpiresIn: TTL.authRequestSec,
    tokens: { accessTokenLifetimeSec: TTL.accessTokenSec, idTokenLifetimeSec: TTL.idTokenSec },
    // The whole load is one client from one address, and oidc-provider has no rate limits:
    // measure the OPs, not ciba-op's per-client buckets.
    rateLimits: { bcAuthorize: { perClient: null, perIp: null }, token: { perClient: null, perIp: null } },
    ...ping.config,
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        client_name: CLIENT.name,
        grant_types: [CIBA_GRANT],
        ...ping.client,
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
        backchannel_user_code_parameter: userCodes,
      },
    ],
  },
});
const op = await createOp(config, { hooks: (builtins) => new BenchHooks(builtins) });
const now = Date.now();
// One hash for all users: scrypt for each of them would take most of a minute at start-up.
const userCodeHash = userCodes ? await hashSecret(USER_CODE) : null;
for (let n = 0; n < USERS; n++) {
  const sub = userSub(n);
  await op.context.store.users.create({
    sub,
    username: sub,
    email: null,
    phone_number: null,
    claims: {},
    passwordHash: null,
    userCodeHash,
    disabled: false,
    createdAt: now,
    updatedAt: now,
  });
}
await op.listen();
toDriver({ type: 'ready', url });
