/**
 * What the driver, the load process and both server launchers agree on: the one client and
 * the users both servers hold, the request settings that make the two do the same work, and the
 * IPC messages between the processes.
 */

/** One static poll client, authenticated with client_secret_basic on both servers. */
export const CLIENT = { id: 'bench', secret: 'bench-secret', name: 'Bench RP' } as const;

export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

/** Users `user-0` … `user-<USERS-1>`; the load sends their sub as `login_hint`. */
export const USERS = 1000;

export function userSub(n: number): string {
  return `user-${n % USERS}`;
}

/**
 * Poll interval both servers advertise or enforce, in seconds. oidc-provider 9 answers no
 * slow_down at all; ours does when an id is polled again within it, so the load never does that.
 */
export const POLL_INTERVAL_SEC = 1;

/** Lifetimes set equal on both sides (ours: config; oidc-provider: ttl). */
export const TTL = { authRequestSec: 600, accessTokenSec: 3600, idTokenSec: 3600 } as const;

/** How a launcher learns its port, and the longest it may live if nobody stops it. */
export const PORT_ENV = 'BENCH_PORT';
/**
 * Where our OP's build is found (a directory holding dist/ and config/); default this package.
 * Lets a run measure a pinned snapshot while others keep editing the working tree.
 */
export const OP_ROOT_ENV = 'BENCH_OP_ROOT';
/**
 * Set (to any value) for our OP: the client requires a user_code, every user has USER_CODE, and
 * the admin API answers to ADMIN_TOKEN.
 */
export const USER_CODES_ENV = 'BENCH_USER_CODES';
export const USER_CODE = '482916';
export const ADMIN_TOKEN = 'bench-admin-token-at-least-32-characters';
export const SERVER_MAX_LIFETIME_MS = 120_000;

export type ServerKind = 'ciba-op' | 'oidc-provider';
/**
 * `bc-authorize-user-code`: bc-authorize with a user_code and a binding_message, so that the
 * validateUserCode and validateBindingMessage hooks run (`npm run bench:scripts`).
 */
export type PhaseName = 'bc-authorize' | 'polls' | 'flows' | 'ping-flows' | 'bc-authorize-user-code';

/**
 * Set for the `ping-flows` phase only (bench/ping.ts): the bench client is then a ping client
 * whose notification endpoint is this URL, an HTTPS receiver on 127.0.0.1 run by the load, with
 * a certificate from the test CA in the PEM file PING_CA_ENV names (both servers trust it).
 */
export const PING_ENDPOINT_ENV = 'BENCH_PING_ENDPOINT';
export const PING_CA_ENV = 'BENCH_PING_CA';

/** Where the load runs the ping receiver, and the certificate it serves (PEM files). */
export interface PingReceiverSettings {
  port: number;
  keyFile: string;
  certFile: string;
}

/**
 * Launcher → driver. `links` carries `[auth_req_id, verification link]` of new auth requests;
 * `profiled` says a requested CPU profile is on disk.
 */
export type ServerMessage =
  | { type: 'ready'; url: string }
  | { type: 'links'; links: [authReqId: string, link: string][] }
  | { type: 'profiled'; file: string };

/** Driver → launcher: CPU-profile exactly the measured window (BENCH_PROFILE). */
export type ProfileCommand = { type: 'profile'; action: 'start' } | { type: 'profile'; action: 'stop'; file: string };

/** Driver → load: the settings of one phase run (passed in the environment as JSON). */
export interface LoadSettings {
  phase: PhaseName;
  url: string;
  warmupMs: number;
  measureMs: number;
  /** Requests in flight in the bc-authorize and polls phases; flows and ping-flows run `flows` at once. */
  concurrency: number;
  flows: number;
  /** Pending auth requests created before the polls phase and polled round-robin. */
  pollPool: number;
  /** ping-flows: the receiver the server's ping client is registered with. */
  ping?: PingReceiverSettings;
}
export const LOAD_SETTINGS_ENV = 'BENCH_LOAD';

export interface LoadResult {
  phase: PhaseName;
  /** Successes completed inside the measured window (see RESULTS.md for what counts). */
  ok: number;
  perSec: number;
  /** Null when no success both started and ended inside the window. */
  p50Us: number | null;
  p99Us: number | null;
  /** Unexpected answers by kind, e.g. `token 400 slow_down`, `bc-authorize 500`. */
  errors: Record<string, number>;
  /** CPU the load process itself used during the window, as a share of one core. */
  loadCpu: number;
  /** polls phase: times a worker had to wait for an id to become pollable (pool too small). */
  poolWaits?: number;
}

/** Load → driver: the measured window opens/closes (for CPU sampling), then the result. */
export type LoadMessage = { type: 'window'; edge: 'start' | 'end' } | { type: 'result'; result: LoadResult };
