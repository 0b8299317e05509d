/**
 * One outbound HTTP request to a URL a client gave us, with the SSRF guard of address-policy.ts:
 * the URL is checked before connecting and every address its host resolves to is checked at
 * connection time (node's `lookup` hook), so a name that resolves to a public address when
 * registered and to 169.254.169.254 later is still refused. Redirects are never followed (a 3xx
 * is returned as it is), the whole exchange has a deadline, and a response body larger than
 * `maxBytes` fails the request instead of filling memory.
 *
 * The answer is a standard `Response` with the body fully read, so callers (and `jose`'s
 * remote JWKS, via its `customFetch` hook) use it like fetch's.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { lookupChecked, outboundUrl, OutboundRefused, type OutboundPolicy } from './address-policy.js';

export interface GuardedRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  /** Aborts the request early (the deadline applies anyway). */
  signal?: AbortSignal;
}

/** Statuses whose Response must not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** A `lookup` for node's http(s) requests that refuses the connection when an address fails the policy. */
export function guardedLookup(url: URL, policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    lookupChecked(url, hostname, policy, options, (err, addresses) => {
      if (err) return callback(err as NodeJS.ErrnoException, []);
      const first = addresses[0];
      if (options.all || !first) return callback(null, addresses);
      return callback(null, first.address, first.family);
    });
  };
}

function readBounded(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length']);
    if (declared > maxBytes) {
      response.destroy();
      reject(new OutboundRefused(`response larger than ${maxBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new OutboundRefused(`response larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
    response.on('close', () => reject(new OutboundRefused('the connection closed before the response was complete')));
  });
}

function toHeaders(raw: IncomingMessage['headers']): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
  }
  return headers;
}

/**
 * Sends the request; rejects with `OutboundRefused` for a URL or address the policy refuses or an
 * oversized body, with the abort reason (a `TimeoutError` DOMException) after `timeoutMs`, and
 * with the network error otherwise.
 */
export async function guardedFetch(raw: string | URL, init: GuardedRequest, policy: OutboundPolicy): Promise<Response> {
  const url = outboundUrl(raw, policy);
  const signal = init.signal
    ? AbortSignal.any([init.signal, AbortSignal.timeout(init.timeoutMs)])
    : AbortSignal.timeout(init.timeoutMs);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));

  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, { method: init.method ?? 'GET', headers, signal, lookup: guardedLookup(url, policy) }, resolve);
    req.on('error', (err) => reject(signal.aborted ? signal.reason : err));
    req.end(init.body);
  });
  let body: Buffer;
  try {
    body = await readBounded(response, init.maxBytes);
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  }
  const status = response.statusCode ?? 0;
  return new Response(NULL_BODY.has(status) ? null : body, { status, headers: toHeaders(response.headers) });
}
