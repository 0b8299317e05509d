/**
 * An HTTPS server on 127.0.0.1 with the test CA's certificate, recording every request with
 * its raw body; `handle` plays the protocol peer (Twilio, Google's token endpoint, FCM, a
 * webhook receiver).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { testTls } from './tls.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (request: RecordedRequest, response: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export interface HttpsPeer {
  url: string;
  server: https.Server;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startHttpsPeer(handle: Handler): Promise<HttpsPeer> {
  const { key, cert } = testTls();
  const requests: RecordedRequest[] = [];
  const server = https.createServer({ key, cert }, (raw, response) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const request = {
        method: raw.method ?? '',
        path: raw.url ?? '',
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      Promise.resolve(handle(request, response, raw)).catch((err: unknown) => {
        response.statusCode = 599;
        response.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    server,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** `Basic` credentials of a request, decoded. */
export function basicAuth(headers: IncomingHttpHeaders): [string, string] | undefined {
  const match = /^Basic (.+)$/.exec(headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}
