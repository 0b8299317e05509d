/** A token bucket: `burst` requests at once, refilled at `ratePerSec`. */
export interface RateLimit {
  ratePerSec: number;
  burst: number;
}

/** The validated configuration; `config/schema.json` is its contract, `config/default.json` its defaults. */
export interface Config {
  issuer: string;
  host: string;
  port: number;
  devMode: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  trustProxy: boolean;
  store: {
    type: 'embedded' | 'mongo';
    dataDir: string;
    inMemory: boolean;
    mongodbUri: string | null;
    mongodbDatabase: string;
  };
  keys: {
    encryptionKey: string | null;
    algorithms: Array<'RS256' | 'PS256' | 'ES256'>;
    /** How long a key replaced by rotation stays in the JWKS; null: idTokenLifetimeSec. */
    retiredKeyPublishSec: number | null;
    /** How often each process re-reads the keys (rotations by other processes, retirements). */
    refreshIntervalSec: number;
  };
  adminToken: string | null;
  http: {
    bodyLimitBytes: number;
    /** The whole request, headers and body, must arrive within this. */
    requestTimeoutMs: number;
    /** An idle keep-alive connection is closed after this (longer than the balancer's idle timeout). */
    keepAliveTimeoutMs: number;
    /** A socket with no activity at all is closed after this. */
    connectionTimeoutMs: number;
  };
  rateLimits: {
    bcAuthorize: { perClient: RateLimit | null; perIp: RateLimit | null };
    token: { perClient: RateLimit | null; perIp: RateLimit | null };
  };
  metrics: { enabled: boolean; token: string | null };
  shutdown: {
    /** After SIGTERM/SIGINT, in-flight work has this long before the process exits anyway (code 1). */
    deadlineSec: number;
  };
  cibaEnabled: boolean;
  backchannelTokenDeliveryModesSupported: Array<'poll' | 'ping' | 'push'>;
  backchannelAuthenticationRequestSigningAlgValuesSupported: string[];
  fapiCibaEnabled: boolean;
  tokenEndpointAuthMethodsSupported: Array<'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt'>;
  tokenEndpointAuthSigningAlgValuesSupported: string[];
  clientAssertionMaxLifetimeSec: number;
  idTokenHintGracePeriodSec: number;
  loginHintTokenUserClaim: string;
  subjectTypesSupported: Array<'public' | 'pairwise'>;
  outbound: {
    /** host or host:port entries allowed to resolve to non-public addresses. */
    allowPrivateHosts: string[];
    timeoutMs: number;
    maxResponseBytes: number;
  };
  clientJwks: { cacheMaxAgeSec: number; refetchCooldownSec: number };
  backchannelUserCodeParameterSupported: boolean;
  backchannelBindingMessagePattern: string;
  backchannelAuthenticationResponseExpiresIn: number;
  backchannelAuthenticationResponseInterval: number;
  backchannelRequestsProcessorJobIntervalSec: number;
  backchannelRequestsProcessorJobChunkSize: number;
  cibaGrantLifeExtraTimeSec: number;
  cibaMaxExpirationTimeAllowedSec: number;
  /** Ping and push callbacks (core/ciba/outbox). */
  backchannelClientNotification: {
    /** host or host:port entries allowed to be (or resolve to) non-public addresses. */
    allowPrivateHosts: string[];
    /** Extra trusted CAs (PEM file) for notification endpoints. */
    caFile: string | null;
    timeoutMs: number;
    maxResponseBytes: number;
    concurrency: number;
    leaseSec: number;
    pollIntervalMs: number;
    retryInitialDelayMs: number;
    retryMaxDelayMs: number;
  };
  backchannelLoginHintClaims: string[];
  cibaEndUserNotificationConfig: {
    /** Tried in order by the built-in notifyEndUser until one delivers. */
    channels: Array<'log' | 'email' | 'sms' | 'webhook'>;
    /** Each bundled notifier's own config shape (plugins/README.md). */
    email?: unknown;
    sms?: unknown;
    push?: unknown;
    webhook?: unknown;
    /** Where the webhook channel posts (the deployer's backend). */
    webhookUrl?: string;
  };
  grantTypesSupported: string[];
  dynamicGrantTypeDefault: string[];
  dynamicRegistration: { enabled: boolean; initialAccessToken: string | null };
  scopesSupported: string[];
  acrValuesSupported: string[];
  defaultAcrValues: string[];
  tokens: {
    accessTokenLifetimeSec: number;
    idTokenLifetimeSec: number;
    refreshTokenLifetimeSec: number;
  };
  /** Path of the device registration endpoint under the issuer; null: no device registration. */
  backchannelDeviceRegistrationEndpoint: string | null;
  enduser: {
    /** Replaces or adds page templates and messages (see core/enduser/templates.ts). */
    templatesDir: string | null;
    defaultLocale: string;
    lockout: {
      maxFailuresPerUser: number;
      maxFailuresPerRequest: number;
      failureWindowSec: number;
      lockoutSec: number;
    };
    devices: { maxPerUser: number; enrollmentCodeLifetimeSec: number };
  };
  scriptRefreshIntervalSec: number;
  scripts: {
    workers: number;
    memoryLimitMb: number;
    cpuTimeLimitMs: number;
    deadlineMs: number;
    maxCapabilityCallsPerCall: number;
    quarantineAfterCrashes: number;
    spinMicros: number;
    historyLimit: number;
    typeCheckOnPush: boolean;
    httpAllowList: string[];
  };
  /** Static clients: RFC 7591 metadata plus `client_id` and the secret (inline or from an env var). */
  clients: Array<Record<string, unknown> & { client_id: string; client_secret?: string; client_secret_env?: string }>;
}
