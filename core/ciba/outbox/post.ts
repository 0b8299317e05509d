/**
 * The one HTTP request of a callback: a JSON POST to the client's notification endpoint with
 * its bearer token. The SSRF rules of core/net apply to the URL before connecting and to every
 * address the host resolves to when a connection is opened, and the connection goes to the
 * address checked (no window for DNS rebinding). Connections are kept alive per destination with
 * TLS session reuse (a busy outbox sends many callbacks to few endpoints; see
 * core/net/keep-alive-client.ts) and trust Node's roots plus the operator's CA. Redirects are
 * never followed, the whole exchange has a deadline, and at most `maxResponseBytes` of the answer
 * are read: the body means nothing to CIBA and is read only so the connection can be reused.
 */
import { createSecureContext, rootCertificates } from 'node:tls';
import { outboundUrl, OutboundRefused, type OutboundPolicy } from '../../net/address-policy.js';
import { AttemptTimeout, KeepAliveClient } from '../../net/keep-alive-client.js';

export { AttemptTimeout };

export interface PosterOptions {
  policy: OutboundPolicy;
  /** PEM of certificate authorities trusted besides Node's bundled roots; null for none. */
  extraCa: string | null;
  timeoutMs: number;
  maxResponseBytes: number;
}

/** Characters that could end a header line or the head early; a b64token never holds them. */
const BREAKS_HEAD = /[\0\r\n]/;

/** An endpoint's checked URL and the start of its request head, kept for the next callback to it. */
interface Target {
  url: URL;
  head: string;
}
const MAX_TARGETS = 1024;

export class CallbackPoster {
  private readonly client: KeepAliveClient;
  private readonly targets = new Map<string, Target>();

  constructor(private readonly options: PosterOptions) {
    // `ca` replaces the bundled roots, so they go in again beside the extra CA; built once, as a
    // `ca` option would be parsed again (some 150 certificates) for every new connection.
    const secureContext = createSecureContext(options.extraCa ? { ca: [...rootCertificates, options.extraCa] } : {});
    this.client = new KeepAliveClient({ policy: options.policy, secureContext });
  }

  /**
   * Resolves with the HTTP status of the answer. Rejects with `OutboundRefused` when the policy
   * refuses the endpoint (final), `AttemptTimeout` after the deadline, or the network error.
   */
  post(endpoint: string, bearer: string, body: string): Promise<number> {
    let target: Target;
    try {
      target = this.target(endpoint);
      if (BREAKS_HEAD.test(bearer)) throw new OutboundRefused('the notification token cannot be sent in a header');
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const head = `${target.head}Authorization: Bearer ${bearer}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return this.client.request(target.url, head, body, this.options);
  }

  close(): void {
    this.client.close();
  }

  /** The URL checks of the policy depend on the URL alone, so their outcome is kept per endpoint. */
  private target(endpoint: string): Target {
    const known = this.targets.get(endpoint);
    if (known) return known;
    const url = outboundUrl(endpoint, this.options.policy);
    const target = { url, head: `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` };
    if (this.targets.size >= MAX_TARGETS) this.targets.clear();
    this.targets.set(endpoint, target);
    return target;
  }
}
