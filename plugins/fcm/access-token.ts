/**
 * OAuth 2.0 access tokens for the FCM API, obtained the way Google's libraries do for a
 * service account (RFC 7523 JWT bearer grant): a JWT signed with the account's key is
 * exchanged at the token URI for a bearer token, which is reused until shortly before it
 * expires. Concurrent sends share one refresh.
 */
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { NotifyFailure } from '../shared/delivery.js';
import { jsonObject, type HttpPoster } from '../shared/http-post.js';

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** Assertions are valid for the maximum Google accepts. */
const ASSERTION_LIFETIME_SEC = 3600;
/** Refresh this long before expiry, so a token never expires between check and use. */
const REFRESH_MARGIN_MS = 60_000;

export interface TokenSourceOptions {
  clientEmail: string;
  keyId?: string;
  key: KeyObject;
  tokenUri: URL;
  poster: HttpPoster;
  timeoutMs: number;
  now: () => number;
}

export class AccessTokenSource {
  private cached: { token: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly options: TokenSourceOptions) {}

  /** A valid token: the cached one, or the one being fetched, or a new one. */
  get(): Promise<string> {
    if (this.cached && this.options.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets the cached token, after FCM refused it. */
  invalidate(): void {
    this.cached = undefined;
  }

  /** The token in use, for scrubbing it from error texts. */
  current(): string | undefined {
    return this.cached?.token;
  }

  private async fetch(): Promise<string> {
    const { clientEmail, keyId, key, tokenUri, poster, timeoutMs, now } = this.options;
    const issuedAt = Math.floor(now() / 1000);
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(keyId ? { kid: keyId } : {}) })
      .setIssuer(clientEmail)
      .setAudience(tokenUri.href)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ASSERTION_LIFETIME_SEC)
      .sign(key);
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
    // Its own deadline, not the first caller's: other sends may be waiting on this refresh.
    const answer = await poster.post(
      tokenUri,
      { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      form.toString(),
      AbortSignal.timeout(timeoutMs),
    );
    const body = jsonObject(answer.body);
    if (answer.status === 200 && typeof body.access_token === 'string' && typeof body.expires_in === 'number') {
      const obtained = now();
      this.cached = { token: body.access_token, refreshAt: obtained + body.expires_in * 1000 - REFRESH_MARGIN_MS };
      return body.access_token;
    }
    throw tokenFailure(answer.status, body);
  }
}

function tokenFailure(status: number, body: Record<string, unknown>): NotifyFailure {
  const detail = `HTTP ${status}${typeof body.error === 'string' ? `, ${body.error}` : ''}${
    typeof body.error_description === 'string' ? `: ${body.error_description.slice(0, 200)}` : ''
  }`;
  if (status === 400 || status === 401 || status === 403) {
    // invalid_grant / invalid_client: the key was revoked, the account deleted, or the clock is off.
    return new NotifyFailure('auth_failed', `the token endpoint refused the service account (${detail})`, false);
  }
  if (status === 429) return new NotifyFailure('rate_limited', `the token endpoint is rate limiting us (${detail})`, true);
  return new NotifyFailure('provider_error', `no access token from the token endpoint (${detail})`, status >= 500 || status === 200);
}
