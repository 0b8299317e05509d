/**
 * The one HTTP request of a callback: a JSON POST to the client's notification endpoint with
 * its bearer token. The SSRF rules of core/net apply to the URL before connecting and to every
 * address the host resolves to while connecting, so the address checked is the address connected
 * to (no window for DNS rebinding). Connections are kept alive (a busy outbox reuses them) and
 * trust Node's roots plus the operator's CA. Redirects are never followed (node:https does not),
 * the whole exchange has a deadline, and at most `maxResponseBytes` of the answer are read: the
 * body means nothing to CIBA and is read only so the connection can be reused.
 */
import http from 'node:http';
import https from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import { outboundUrl, type OutboundPolicy } from '../../net/address-policy.js';
import { guardedLookup } from '../../net/guarded-fetch.js';

export class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'AttemptTimeout';
  }
}

export interface PosterOptions {
  policy: OutboundPolicy;
  /** PEM of certificate authorities trusted besides Node's bundled roots; null for none. */
  extraCa: string | null;
  timeoutMs: number;
  maxResponseBytes: number;
}

export class CallbackPoster {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent = new http.Agent({ keepAlive: true });

  constructor(private readonly options: PosterOptions) {
    // `ca` replaces the bundled roots, so they go in again beside the extra CA; built once, as a
    // `ca` option would be parsed again (some 150 certificates) for every new connection.
    const secureContext = options.extraCa ? createSecureContext({ ca: [...rootCertificates, options.extraCa] }) : undefined;
    this.httpsAgent = new https.Agent({ keepAlive: true, ...(secureContext ? { secureContext } : {}) });
  }

  /**
   * Resolves with the HTTP status of the answer. Rejects with `OutboundRefused` when the policy
   * refuses the endpoint (final), `AttemptTimeout` after the deadline, or the network error.
   */
  async post(endpoint: string, bearer: string, body: string): Promise<number> {
    const url = outboundUrl(endpoint, this.options.policy);
    const secure = url.protocol === 'https:';
    const { timeoutMs, maxResponseBytes, policy } = this.options;
    return new Promise<number>((resolve, reject) => {
      const request = (secure ? https : http).request(url, {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        lookup: guardedLookup(url, policy),
        headers: {
          authorization: `Bearer ${bearer}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      });
      const timer = setTimeout(() => request.destroy(new AttemptTimeout(timeoutMs)), timeoutMs);
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        outcome();
      };
      request.on('error', (err) => settle(() => reject(err)));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // Enough is known (the status); an endless answer costs the connection, not memory.
          if (read > maxResponseBytes) {
            response.destroy();
            settle(() => resolve(status));
          }
        });
        response.on('end', () => settle(() => resolve(status)));
        response.on('error', (err) => settle(() => reject(err)));
      });
      request.end(body);
    });
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}
