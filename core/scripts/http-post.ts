/**
 * `api.http.post`: JSON POST to an allow-listed host, https only (plain http to an allow-listed
 * loopback host in development), redirects never followed, time and response size bounded.
 */
import { outboundUrl, privateAllowed, type OutboundPolicy } from '../net/address-policy.js';

const MAX_RESPONSE_BYTES = 256 * 1024;
const DEFAULT_TIMEOUT_MS = 5000;

export interface HttpPostOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface HttpPostPolicy {
  allowList: readonly string[];
  allowLoopbackHttp: boolean;
  dryRun: boolean;
}

export interface HttpPostResult {
  status: number;
  contentType: string | null;
  body: unknown;
}

/**
 * The shape checks every outbound URL gets (core/net/address-policy.ts), then the allow-list.
 * Allow-listed hosts may be private addresses: the operator named them.
 */
function allowedUrl(raw: string, policy: HttpPostPolicy): URL {
  const listed: OutboundPolicy = { allowPrivateHosts: policy.allowList, allowLoopbackHttp: policy.allowLoopbackHttp };
  let url: URL;
  try {
    url = outboundUrl(raw, listed);
  } catch (err) {
    throw new Error(`api.http.post(): ${(err as Error).message}`);
  }
  if (!privateAllowed(url, listed)) {
    throw new Error(`api.http.post(): host ${url.host} is not on scripts.httpAllowList`);
  }
  return url;
}

async function boundedText(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new Error(`api.http.post(): response larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function boundedHttpPost(raw: string, body: unknown, options: HttpPostOptions, policy: HttpPostPolicy): Promise<HttpPostResult> {
  const url = allowedUrl(raw, policy);
  if (policy.dryRun) return { status: 0, contentType: null, body: null };
  const headers = { ...options.headers, 'content-type': 'application/json' };
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    const name = (err as Error).name;
    throw new Error(name === 'TimeoutError' ? 'api.http.post(): timed out' : `api.http.post(): request failed (${(err as Error).message})`);
  }
  const contentType = response.headers.get('content-type');
  const text = await boundedText(response);
  let parsed: unknown = text;
  if (contentType?.includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: response.status, contentType, body: parsed };
}
