/**
 * Store ports: small domain repositories, not a generic database wrapper. Two adapters
 * implement them (embedded/ and mongo/) and one contract suite (test/store/contract.ts) holds
 * both to the same behaviour. Every state change that can race is ONE conditional update here,
 * so correctness never depends on a read followed by a write.
 *
 * Times are epoch milliseconds throughout.
 *
 * Records a repository returns are read-only: the embedded adapter hands out its stored records
 * themselves, deep-frozen, so changing one throws a TypeError. Build a new object (spread) to
 * derive a changed record; records passed in are never kept, so callers may change those later.
 */

export type DeliveryMode = 'poll' | 'ping' | 'push';

/** Registered client metadata (RFC 7591 names), as returned to the client minus secrets. */
export interface ClientMetadata {
  client_name?: string;
  logo_uri?: string;
  contacts?: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: ClientAuthMethod;
  /** The one alg the client signs its assertions with, when it registered one. */
  token_endpoint_auth_signing_alg?: string;
  /** The client's public keys, inline or by reference (never both). */
  jwks?: { keys: Record<string, unknown>[] };
  jwks_uri?: string;
  scope?: string;
  id_token_signed_response_alg: string;
  subject_type?: 'public' | 'pairwise';
  sector_identifier_uri?: string;
  backchannel_token_delivery_mode?: DeliveryMode;
  backchannel_client_notification_endpoint?: string;
  /** Set: this client's authentication requests must be signed with this alg. */
  backchannel_authentication_request_signing_alg?: string;
  backchannel_user_code_parameter: boolean;
  /** Holds this client to the FAPI-CIBA profile (the `fapiCibaEnabled` config holds every client to it). */
  fapi_ciba?: boolean;
}

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt';

export interface ClientRecord {
  clientId: string;
  /**
   * base64url SHA-256 of the secret; secrets are never stored in the clear. A private_key_jwt
   * client gets no secret: this is then the digest of a random one nobody was given.
   */
  secretDigest: string;
  /** 0: the secret does not expire. */
  secretExpiresAt: number;
  /**
   * client_secret_jwt clients only: the secret sealed under the key-encryption key, because an
   * HMAC can only be checked with the secret itself. Absent for every other client.
   */
  sealedSecret?: string;
  /** Digest of the RFC 7592 registration access token; null for static clients. */
  registrationAccessTokenDigest: string | null;
  /** Config, RFC 7591 registration, or the admin API. */
  source: 'static' | 'dynamic' | 'admin';
  disabled: boolean;
  metadata: ClientMetadata;
  createdAt: number;
  updatedAt: number;
}

export interface ClientRepo {
  get(clientId: string): Promise<ClientRecord | null>;
  /** Fails with `DuplicateKeyError` when the id exists. */
  create(record: ClientRecord): Promise<void>;
  /** Inserts or replaces; used for static clients re-read from config at every start. */
  upsert(record: ClientRecord): Promise<void>;
  /** Replaces an existing record; false when there was none. */
  replace(record: ClientRecord): Promise<boolean>;
  delete(clientId: string): Promise<boolean>;
  list(): Promise<ClientRecord[]>;
}

export interface UserRecord {
  sub: string;
  username: string;
  email: string | null;
  phone_number: string | null;
  /** Profile claims released by scope (name, given_name, email_verified, …). */
  claims: Record<string, unknown>;
  /** scrypt hash, see core/users/secrets.ts; null when the user has no password. */
  passwordHash: string | null;
  /** scrypt hash of the user code (CIBA user_code); null when none is set. */
  userCodeHash: string | null;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Claims a user can be looked up by; others live in `claims` and are matched there. */
export const USER_LOOKUP_FIELDS = ['sub', 'username', 'email', 'phone_number'] as const;

export interface UserRepo {
  get(sub: string): Promise<UserRecord | null>;
  /** Exact match on a top-level field or a `claims` member; at most `limit` users. */
  findByClaim(claim: string, value: string, limit?: number): Promise<UserRecord[]>;
  /** Fails with `DuplicateKeyError` on an existing sub or username. */
  create(record: UserRecord): Promise<void>;
  update(sub: string, patch: Partial<Omit<UserRecord, 'sub' | 'createdAt'>>): Promise<UserRecord | null>;
  list(limit?: number): Promise<UserRecord[]>;
}

export type AuthRequestState = 'pending' | 'approved' | 'denied' | 'expired' | 'failed' | 'issued';

export interface AuthRequestRecord {
  /** The auth_req_id itself (32 random bytes, base64url). */
  id: string;
  clientId: string;
  sub: string;
  scope: string[];
  acrValues: string[];
  bindingMessage: string | null;
  /** Echoed in ping/push callbacks; a secret of the client's, never logged. */
  clientNotificationToken: string | null;
  deliveryMode: DeliveryMode;
  state: AuthRequestState;
  createdAt: number;
  expiresAt: number;
  /** The record may be deleted after this (expiresAt + cibaGrantLifeExtraTimeSec). */
  purgeAt: number;
  /** Minimum seconds between polls; grows by 5 on every slow_down. */
  interval: number;
  lastPollAt: number | null;
  /** base64url SHA-256 of the one-time verification link token. */
  linkHash: string;
  decidedAt: number | null;
  authTime: number | null;
  acr: string | null;
  amr: string[] | null;
  /** Why the request failed or was denied, for the token endpoint's error_description. */
  reason: string | null;
}

/** What a state transition may set besides the state. */
export type TransitionPatch = Partial<Pick<AuthRequestRecord, 'decidedAt' | 'authTime' | 'acr' | 'amr' | 'reason'>>;

export interface PollOutcome {
  record: AuthRequestRecord;
  /** True when this poll came sooner than `interval` after the previous one. */
  slowDown: boolean;
}

export interface AuthRequestRepo {
  create(record: AuthRequestRecord): Promise<void>;
  get(id: string): Promise<AuthRequestRecord | null>;
  findByLinkHash(linkHash: string): Promise<AuthRequestRecord | null>;
  /**
   * The one way a request changes state: applies `patch` and sets `to` only if the request is
   * in one of `from` (and, when given, not yet expired at `notExpiredAt`). Returns the updated
   * record, or null when the condition did not hold — the caller lost a race or was too late.
   */
  transition(
    id: string,
    from: readonly AuthRequestState[],
    to: AuthRequestState,
    patch?: TransitionPatch,
    notExpiredAt?: number,
  ): Promise<AuthRequestRecord | null>;
  /**
   * Records a token request for `id` at `now`, atomically: a poll sooner than `interval` after
   * the previous one is a slow-down and grows the interval by `slowDownStepSec` from then on.
   * Null when no such request exists.
   */
  registerPoll(id: string, now: number, slowDownStepSec: number): Promise<PollOutcome | null>;
  /** Up to `limit` requests still `pending` whose expiresAt ≤ now, soonest expired first. */
  findExpiredPending(now: number, limit: number): Promise<AuthRequestRecord[]>;
  /**
   * Marks those of `ids` that are still `pending` and expired at `now` as `expired`, in one
   * conditional update (each request changes once however many processes race); returns how many.
   */
  expire(ids: readonly string[], now: number): Promise<number>;
  /** Deletes records whose purgeAt has passed; returns how many. */
  purge(now: number): Promise<number>;
  /** For operators: newest first, at most `limit`, matching every filter given (unindexed: a scan). */
  list(filter: AuthRequestFilter, limit: number): Promise<AuthRequestRecord[]>;
}

export interface AuthRequestFilter {
  state?: AuthRequestState;
  clientId?: string;
  sub?: string;
}

export type CallbackMode = 'ping' | 'push';
/** A delivered callback leaves the outbox; a dead one stays until its deadline, for operators. */
export type CallbackStatus = 'queued' | 'dead';

/**
 * One ping or push callback in the outbox. An auth request leaves `pending` once, so it has at
 * most one callback: the entry's id is the auth_req_id, which makes queueing it idempotent, and
 * once delivered nothing can queue it again.
 */
export interface OutboxEntry {
  id: string;
  clientId: string;
  mode: CallbackMode;
  status: CallbackStatus;
  /** Attempts that reached the point of sending. */
  attempts: number;
  /** Not claimed before this; `NEVER` once dead, so dead entries leave the claim's range. */
  nextAttemptAt: number;
  /** The claim that holds the lease (a fresh random token per claim), and until when; free once leaseExpiresAt ≤ now. */
  leaseOwner: string | null;
  leaseExpiresAt: number;
  /** No attempt after this: the request's expiresAt + cibaGrantLifeExtraTimeSec (its purgeAt). */
  deadline: number;
  /** Push success only: the token response sealed (JWE) under the key-encryption key, set once, erased with a dead letter. */
  sealedPayload: string | null;
  /** The grant of those tokens, revoked when they can never be delivered. */
  grantId: string | null;
  /** The latest failure, for operators: never a secret. */
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/** The nextAttemptAt of a dead entry (an integer both stores keep exactly, unlike Infinity). */
export const NEVER = Number.MAX_SAFE_INTEGER;

/** How a lease holder ends its claim short of a delivery: try again later, or give up. */
export type OutboxSettlement =
  | { status: 'queued'; nextAttemptAt: number; attempted: boolean; lastError: string | null }
  | { status: 'dead'; attempted: boolean; lastError: string };

export interface OutboxRepo {
  /** Inserts the entries whose id is not in the outbox yet; returns the ids it inserted. */
  enqueue(entries: readonly OutboxEntry[]): Promise<string[]>;
  get(id: string): Promise<OutboxEntry | null>;
  /**
   * Leases up to `limit` due entries (queued, nextAttemptAt ≤ now, lease free) to `owner` until
   * `leaseUntil`, in one conditional update: an entry goes to exactly one of racing claims.
   * Returns the entries this claim got.
   */
  claimDue(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxEntry[]>;
  /** Extends the lease while `owner` still holds it; null when it does not. */
  renew(id: string, owner: string, leaseUntil: number, now: number): Promise<OutboxEntry | null>;
  /** Stores the sealed push payload while `owner` holds the lease and none is stored; null otherwise. */
  attachPayload(id: string, owner: string, sealedPayload: string, grantId: string, now: number): Promise<OutboxEntry | null>;
  /** Ends `owner`'s lease with a retry or a dead letter; null (and no change) when `owner` no longer holds it. */
  settle(id: string, owner: string, settlement: OutboxSettlement, now: number): Promise<OutboxEntry | null>;
  /** Removes a delivered entry while `owner` holds its lease; false (and no change) otherwise. */
  complete(id: string, owner: string): Promise<boolean>;
  /** Deletes dead entries whose deadline has passed; returns how many. */
  purge(now: number): Promise<number>;
  /** Entries waiting to be sent, in every process: the outbox depth operators watch. */
  countQueued(): Promise<number>;
}

export type TokenKind = 'access_token' | 'refresh_token';

export interface TokenRecord {
  /** base64url SHA-256 of the token value; the value itself is never stored. */
  digest: string;
  kind: TokenKind;
  clientId: string;
  sub: string;
  scope: string[];
  /** All tokens minted from one approval share a grant id, so a grant can be revoked whole. */
  grantId: string;
  authReqId: string;
  acr: string | null;
  amr: string[] | null;
  authTime: number | null;
  createdAt: number;
  expiresAt: number;
  /** Refresh tokens: when rotation used it up; null while usable. */
  consumedAt: number | null;
  revoked: boolean;
}

export interface TokenRepo {
  create(record: TokenRecord): Promise<void>;
  createMany(records: TokenRecord[]): Promise<void>;
  get(digest: string): Promise<TokenRecord | null>;
  /**
   * Uses up a refresh token exactly once: succeeds only when it is unconsumed, unrevoked and
   * unexpired at `now`. Returns the record as it was, or null.
   */
  consume(digest: string, now: number): Promise<TokenRecord | null>;
  /** Revokes every token of a grant (refresh-token reuse detection). */
  revokeGrant(grantId: string): Promise<number>;
  purge(now: number): Promise<number>;
}

export interface KeyRecord {
  kid: string;
  alg: string;
  /** Public JWK as published in /jwks. */
  publicJwk: Record<string, unknown>;
  /** Private JWK encrypted as a compact JWE (dir + A256GCM) under the key-encryption key. */
  encryptedPrivateJwk: string;
  createdAt: number;
  /** Retired keys stay published until `retireAt`, then leave the JWKS. */
  status: 'active' | 'retired';
  retireAt: number | null;
}

export interface KeyRepo {
  list(): Promise<KeyRecord[]>;
  create(record: KeyRecord): Promise<void>;
  /** Sets `status`/`retireAt` (rotation retires a key); the updated record, or null when no such kid. */
  update(kid: string, patch: Partial<Pick<KeyRecord, 'status' | 'retireAt'>>): Promise<KeyRecord | null>;
}

/**
 * JWT ids already seen (client assertions, request objects): each may be used once until its
 * JWT expires (RFC 7523 §3, CIBA §7.1.1). Callers namespace the keys (purpose, issuer, jti).
 */
export interface JtiRepo {
  /**
   * Records `key` as used until `expiresAt`, in one conditional insert: true for the first use,
   * false while an earlier use is unexpired at `now` (an expired entry is taken over).
   */
  use(key: string, expiresAt: number, now: number): Promise<boolean>;
  /** Deletes entries that expired before `now`; returns how many. */
  purge(now: number): Promise<number>;
}

/** Which user a pairwise subject identifier names within one sector (OIDC Core §8.1). */
export interface PairwiseSubjectRecord {
  sector: string;
  pairwiseSub: string;
  /** The user's own `sub`. */
  sub: string;
  createdAt: number;
}

export interface PairwiseSubjectRepo {
  /** Idempotent: a mapping that exists already stays as it is. */
  remember(record: PairwiseSubjectRecord): Promise<void>;
  /** The user's own sub behind `pairwiseSub` in `sector`, or null. */
  find(sector: string, pairwiseSub: string): Promise<string | null>;
}

/** One immutable pushed version of an interception script. */
export interface ScriptVersionRecord {
  name: string;
  version: number;
  hook: string;
  /** TypeScript as pushed. */
  source: string;
  /** The ES module esbuild made of it, and its source map (errors point at TS lines). */
  code: string;
  sourceMap: string;
  /** SHA-256 (hex) of `source`. */
  checksum: string;
  author: string;
  createdAt: number;
}

/** A script name: its hook, which version is active, and what went wrong lately. */
export interface ScriptRecord {
  name: string;
  hook: string;
  activeVersion: number | null;
  latestVersion: number;
  errorCount: number;
  lastError: { version: number; message: string; at: number } | null;
  quarantine: { version: number; reason: string; at: number } | null;
  createdAt: number;
  updatedAt: number;
}

export interface ScriptRepo {
  get(name: string): Promise<ScriptRecord | null>;
  list(): Promise<ScriptRecord[]>;
  /**
   * Appends a version under the next number, allocated atomically (concurrent pushes get
   * distinct numbers). Creates the script on first push. Null when the name exists for
   * another hook: a name keeps its hook for life.
   */
  addVersion(version: Omit<ScriptVersionRecord, 'version'>): Promise<ScriptVersionRecord | null>;
  getVersion(name: string, version: number): Promise<ScriptVersionRecord | null>;
  /** Newest first. */
  listVersions(name: string): Promise<ScriptVersionRecord[]>;
  /** Sets (or clears, with null) the active version; clears a quarantine. Null if no such script. */
  setActive(name: string, version: number | null, now: number): Promise<ScriptRecord | null>;
  recordError(name: string, version: number, message: string, now: number): Promise<void>;
  recordQuarantine(name: string, version: number, reason: string, now: number): Promise<void>;
  /** Deletes the oldest versions beyond `keep`, never `protect`; returns how many. */
  prune(name: string, keep: number, protect: number | null): Promise<number>;
  /** A counter bumped on every activation, for processes that poll for hot reload. */
  revision(): Promise<number>;
  bumpRevision(): Promise<number>;
  /**
   * Calls `onChange` when the revision changes in any process, where the store can push that
   * (MongoDB change streams); returns a stop function, or null when it cannot (then poll).
   */
  watchRevision(onChange: () => void): Promise<(() => Promise<void>) | null>;
}

/** Script-scoped secrets (`api.secrets.get`), sealed under the key-encryption key. */
export interface ScriptSecretRepo {
  set(script: string, name: string, sealed: string, now: number): Promise<void>;
  get(script: string, name: string): Promise<string | null>;
  /** Names only. */
  list(script: string): Promise<string[]>;
  delete(script: string, name: string): Promise<boolean>;
}

/**
 * Failed authentication attempts counted under one key (`user:<sub>`, `request:<auth_req_id>`)
 * and the lock they led to. Counting happens within a window that the first failure opens.
 */
export interface FailureCounterRecord {
  key: string;
  /** Failures within the current window. */
  failures: number;
  windowEndsAt: number;
  /** Set by the failure that reached the policy's maximum; attempts are refused until then. */
  lockedUntil: number | null;
  /** The record may be deleted after this: its window and its lock are both over. */
  purgeAt: number;
}

export interface FailurePolicy {
  /** The failure that brings the window's count to this locks the key. */
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export interface FailureCounterRepo {
  get(key: string): Promise<FailureCounterRecord | null>;
  /**
   * Counts one failure at `now`, atomically, so concurrent failures each count: a failure
   * after the window ended opens a new one; the failure that reaches `maxFailures` sets
   * `lockedUntil = now + lockMs` and starts counting afresh. Returns the record as it left it.
   */
  recordFailure(key: string, now: number, policy: FailurePolicy): Promise<FailureCounterRecord>;
  /** Forgets the key's failures and lock (after a successful sign-in). */
  clear(key: string): Promise<void>;
  purge(now: number): Promise<number>;
}

/** An authenticator app's registration: where the user's device is reached. */
export interface DeviceRecord {
  /** Derived from sub, channel and address (core/devices), so a re-registration finds its device. */
  id: string;
  sub: string;
  /** Shown to the user when listing devices ("Jane's Pixel"). */
  name: string;
  /** `push`: FCM device token; `webhook`: an https URL the deployer's app backend serves. */
  channel: 'push' | 'webhook';
  address: string;
  createdAt: number;
}

export interface DeviceRepo {
  /** Fails with `DuplicateKeyError` when the id exists. */
  create(record: DeviceRecord): Promise<void>;
  get(id: string): Promise<DeviceRecord | null>;
  /** The user's devices, oldest first. */
  listBySub(sub: string): Promise<DeviceRecord[]>;
  /** Removes the user's device; false when the user has no device with that id. */
  delete(sub: string, id: string): Promise<boolean>;
}

/** A one-time code an operator hands a user to register a device without a password. */
export interface EnrollmentCodeRecord {
  /** base64url SHA-256 of the code; the code itself is never stored. */
  digest: string;
  sub: string;
  createdAt: number;
  expiresAt: number;
}

export interface EnrollmentCodeRepo {
  create(record: EnrollmentCodeRecord): Promise<void>;
  /** Uses a code up exactly once: removes and returns it if unexpired at `now`, else null. */
  consume(digest: string, now: number): Promise<EnrollmentCodeRecord | null>;
  purge(now: number): Promise<number>;
}

export interface Store {
  readonly kind: 'embedded' | 'mongo';
  clients: ClientRepo;
  users: UserRepo;
  authRequests: AuthRequestRepo;
  outbox: OutboxRepo;
  tokens: TokenRepo;
  keys: KeyRepo;
  jtis: JtiRepo;
  pairwiseSubjects: PairwiseSubjectRepo;
  scripts: ScriptRepo;
  scriptSecrets: ScriptSecretRepo;
  failureCounters: FailureCounterRepo;
  devices: DeviceRepo;
  enrollmentCodes: EnrollmentCodeRepo;
  /** Creates indexes / opens files; idempotent. */
  init(): Promise<void>;
  /** Cheap reachability check for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DuplicateKeyError extends Error {
  constructor(what: string) {
    super(`duplicate key: ${what}`);
    this.name = 'DuplicateKeyError';
  }
}
