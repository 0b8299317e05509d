/**
 * A deliberately small HTTP client for the notifiers that speak HTTP themselves (FCM, webhook):
 * POST only, no redirects (node:http never follows them), an abort signal, and a cap on how
 * much of an answer is read, so a hostile or broken peer cannot make us buffer without limit.
 * Built on node:https rather than undici because undici is not a runtime dependency.
 */
import http from 'node:http';
import https from 'node:https';
import { NotifierConfigError } from './config.js';

export interface HttpAnswer {
  status: number;
  /** At most `maxResponseBytes` of the body, decoded as UTF-8. */
  body: string;
}

/** One per notifier: keep-alive connections to its peers, closed with the notifier. */
export class HttpPoster {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent | undefined;
  private readonly maxResponseBytes: number;

  constructor(options: { ca?: string; allowInsecureHttp?: boolean; maxResponseBytes: number }) {
    this.httpsAgent = new https.Agent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) });
    this.httpAgent = options.allowInsecureHttp ? new http.Agent({ keepAlive: true }) : undefined;
    this.maxResponseBytes = options.maxResponseBytes;
  }

  /** Whether `url` may be used: https always, http only when the notifier allows it. */
  accepts(url: URL): boolean {
    return url.protocol === 'https:' || (url.protocol === 'http:' && this.httpAgent !== undefined);
  }

  post(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<HttpAnswer> {
    if (!this.accepts(url)) {
      return Promise.reject(new Error(`refusing to send to a ${url.protocol} URL`));
    }
    const transport = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
    return new Promise((resolve, reject) => {
      const request = transport.request(url, {
        method: 'POST',
        agent,
        signal,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      request.on('error', reject);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, this.maxResponseBytes).toString('utf8'),
          });
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          chunks.push(chunk);
          if (size > this.maxResponseBytes) {
            // Enough read to judge the answer; drop the connection rather than drain the rest.
            response.destroy();
            finish();
          }
        });
        response.on('end', finish);
        response.on('error', reject);
      });
      request.end(body);
    });
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent?.destroy();
  }
}

/** Parses a configured provider base URL; providers are only ever spoken to over TLS. */
export function httpsUrl(plugin: string, name: string, value: string): URL {
  const url = new URL(value);
  if (url.protocol !== 'https:') {
    throw new NotifierConfigError(plugin, [`${name} must be an https URL`]);
  }
  return url;
}

/** An answer's JSON object, or `{}` for anything else: peers' error bodies are not guaranteed. */
export function jsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
