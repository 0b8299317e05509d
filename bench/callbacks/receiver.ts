/**
 * A ping/push receiver in a process of its own (so its work does not share the OP's CPU): an
 * HTTPS server on 127.0.0.1 that answers 204 and tells the parent, per event-loop turn, which
 * auth_req_ids arrived, when (epoch ms with sub-millisecond precision, comparable across
 * processes of one machine) and with which bearer token. Forked by bench/callbacks.ts and, for
 * the `ping-flows` phase, by the load process (bench/load/ping-flows.ts) on the port
 * BENCH_RECEIVER_PORT names (0 or unset: any free port).
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** `authReqId` is '' when the body was not a JSON object with a string auth_req_id. */
export type Arrival = [authReqId: string, atMs: number, bearer: string];
export type ReceiverMessage = { type: 'listening'; url: string } | { type: 'arrived'; pings: Arrival[] };

const key = process.env.BENCH_TLS_KEY;
const cert = process.env.BENCH_TLS_CERT;
const port = Number(process.env.BENCH_RECEIVER_PORT ?? 0);
if (!key || !cert || !process.send) throw new Error('bench/callbacks/receiver.ts is forked by bench/callbacks.ts or the load process');
process.on('disconnect', () => process.exit(0));

const send = (message: ReceiverMessage): void => void process.send?.(message);
let batch: Arrival[] = [];

function authReqIdOf(body: string): string {
  try {
    const id = (JSON.parse(body) as { auth_req_id?: unknown }).auth_req_id;
    return typeof id === 'string' ? id : '';
  } catch {
    return '';
  }
}

const server = createServer({ key, cert }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    res.writeHead(204).end();
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (batch.length === 0) {
      setImmediate(() => {
        send({ type: 'arrived', pings: batch });
        batch = [];
      });
    }
    batch.push([authReqIdOf(Buffer.concat(chunks).toString('utf8')), at, bearer]);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => send({ type: 'listening', url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` }));
