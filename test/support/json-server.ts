/**
 * JSON documents served over real HTTP on 127.0.0.1, changeable while running, counting
 * requests: a client's jwks_uri, its sector_identifier_uri.
 */
import { createServer } from 'node:http';

export interface JsonServer {
  /** host:port, for `outbound.allowPrivateHosts`. */
  host: string;
  url(path: string): string;
  set(path: string, body: unknown): void;
  hits(path: string): number;
  close(): Promise<void>;
}

export async function jsonServer(documents: Record<string, unknown> = {}): Promise<JsonServer> {
  const served = new Map(Object.entries(documents));
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (!served.has(path)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served.get(path)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    host,
    url: (path) => `http://${host}${path}`,
    set: (path, body) => void served.set(path, body),
    hits: (path) => hits.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
