/**
 * Client JWK Sets published at a jwks_uri, as jose's remote JWK Set keeps them: fetched through
 * the SSRF-guarded fetch (deadline, size limit, redirects not followed), cached per URI for
 * `clientJwks.cacheMaxAgeSec`, and fetched again once when a JWT names a kid the cached set
 * lacks — at most once per `refetchCooldownSec`, so unknown kids cannot make the OP hammer a
 * client's server (or be used to).
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/types.js';
import { OutboundRefused } from '../net/address-policy.js';
import { guardedFetch } from '../net/guarded-fetch.js';

/** The keys to check a client's JWT with could not be had: a client's problem, never a fault of ours. */
export class KeysUnavailable extends Error {}

/** Distinct jwks_uris kept; the oldest is dropped beyond this (clients rarely share one, and each set is small). */
const MAX_CACHED_URIS = 1000;

export class RemoteJwksCache {
  private readonly sets = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly config: Pick<Config, 'outbound' | 'clientJwks' | 'devMode'>) {}

  forUri(uri: string): JWTVerifyGetKey {
    let set = this.sets.get(uri);
    if (!set) {
      if (this.sets.size >= MAX_CACHED_URIS) this.sets.delete(this.sets.keys().next().value as string);
      set = this.create(uri);
      this.sets.set(uri, set);
    }
    return set;
  }

  private create(uri: string): JWTVerifyGetKey {
    const { outbound, clientJwks, devMode } = this.config;
    const policy = { allowPrivateHosts: outbound.allowPrivateHosts, allowLoopbackHttp: devMode };
    return createRemoteJWKSet(new URL(uri), {
      timeoutDuration: outbound.timeoutMs,
      cacheMaxAge: clientJwks.cacheMaxAgeSec * 1000,
      cooldownDuration: clientJwks.refetchCooldownSec * 1000,
      [customFetch]: async (url, init) => {
        let response: Response;
        try {
          response = await guardedFetch(
            url,
            { headers: Object.fromEntries(init.headers), timeoutMs: outbound.timeoutMs, maxBytes: outbound.maxResponseBytes, signal: init.signal },
            policy,
          );
        } catch (err) {
          // jose turns an abort into its JWKSTimeout; a refusal keeps its own reason.
          if (err instanceof OutboundRefused || (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') throw err;
          throw new KeysUnavailable(`jwks_uri could not be fetched (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
        if (response.status !== 200) throw new KeysUnavailable(`jwks_uri answered HTTP ${response.status}`);
        return response;
      },
    });
  }
}
