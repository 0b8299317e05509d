/**
 * Per-client and per-IP token buckets on `/bc-authorize` and `/token`, kept in this process
 * only: with N processes behind a balancer a client may get N times the configured rate, so
 * configure rate / N. A refused request gets 503 `temporarily_unavailable` with `Retry-After`
 * at both endpoints: CIBA forbids 429 at the token endpoint and defines no rate-limit error at
 * the backchannel endpoint, and one answer for both keeps a client's retry logic simple.
 *
 * The IP bucket is taken before the body is read, so a flood costs no more than its headers.
 * The client bucket is keyed by the client the request names (Basic user, `client_id`, or the
 * `sub` of a `client_assertion`) once the body is parsed, and given back when the request ends
 * in 401 — naming another client without its credentials cannot drain that client's bucket.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { oauthError } from '../errors.js';
import type { Config, RateLimit } from '../config/types.js';
import type { Metrics } from '../metrics/registry.js';
import { PATHS } from '../oauth/discovery.js';

/** Above this many keys, buckets that have refilled completely (idle keys) are dropped. */
const SWEEP_ABOVE_KEYS = 10_000;

interface Bucket {
  tokens: number;
  /** performance.now() of the last refill: monotonic, so wall-clock jumps change nothing. */
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Takes a token for `key`: 0 when granted, else the whole seconds until one will be there. */
  take(key: string): number {
    const bucket = this.refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.ratePerSec));
  }

  /** Returns a token taken for a request that turned out not to count. */
  giveBack(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.limit.burst, bucket.tokens + 1);
  }

  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string): Bucket {
    const now = this.clock();
    const bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_ABOVE_KEYS) this.sweep(now);
      const fresh = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, fresh);
      return fresh;
    }
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.ratePerSec);
    bucket.at = now;
    return bucket;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.limit.ratePerSec >= this.limit.burst) this.buckets.delete(key);
    }
  }
}

/** The client a request names; a bucket key, not an authentication. */
function claimedClientId(request: FastifyRequest): string | undefined {
  const basic = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(request.headers.authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    return decoded.slice(0, Math.max(0, decoded.indexOf(':')));
  }
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (typeof body.client_id === 'string') return body.client_id;
  if (typeof body.client_assertion === 'string') {
    try {
      const payload = JSON.parse(Buffer.from(body.client_assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
      if (typeof payload.sub === 'string') return payload.sub;
    } catch {
      // Not a JWT: the request will fail authentication; the IP bucket still applies.
    }
  }
  return undefined;
}

interface Endpoint {
  name: 'bc-authorize' | 'token';
  perClient: TokenBuckets | null;
  perIp: TokenBuckets | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The client bucket this request took a token from, to give back if it ends in 401. */
    rateLimitedClient: { buckets: TokenBuckets; key: string } | null;
  }
}

function refusal(retryAfterSec: number): Error {
  return oauthError('temporarily_unavailable', 'too many requests: retry later', { 'Retry-After': String(retryAfterSec) });
}

export function installRateLimits(app: FastifyInstance, config: Config['rateLimits'], metrics: Metrics): void {
  const buckets = (limit: RateLimit | null) => (limit ? new TokenBuckets(limit) : null);
  const endpoints = new Map<string, Endpoint>([
    [PATHS.backchannel, { name: 'bc-authorize', perClient: buckets(config.bcAuthorize.perClient), perIp: buckets(config.bcAuthorize.perIp) }],
    [PATHS.token, { name: 'token', perClient: buckets(config.token.perClient), perIp: buckets(config.token.perIp) }],
  ]);
  const endpointOf = (request: FastifyRequest) => (request.method === 'POST' ? endpoints.get(request.routeOptions.url ?? '') : undefined);

  // Callback-style hooks: they run on every request (see core/http/app.ts).
  app.decorateRequest('rateLimitedClient', null);
  app.addHook('onRequest', (request, _reply, done) => {
    const endpoint = endpointOf(request);
    const wait = endpoint?.perIp?.take(request.ip) ?? 0;
    if (wait === 0) return done();
    metrics.rateLimited.inc({ endpoint: endpoint?.name, limit: 'ip' });
    done(refusal(wait));
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const endpoint = endpointOf(request);
    const key = endpoint?.perClient ? claimedClientId(request) : undefined;
    if (!endpoint?.perClient || key === undefined) return done();
    const wait = endpoint.perClient.take(key);
    if (wait === 0) {
      request.rateLimitedClient = { buckets: endpoint.perClient, key };
      return done();
    }
    metrics.rateLimited.inc({ endpoint: endpoint.name, limit: 'client' });
    done(refusal(wait));
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode === 401 && request.rateLimitedClient) request.rateLimitedClient.buckets.giveBack(request.rateLimitedClient.key);
    done();
  });
}
