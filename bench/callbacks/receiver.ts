/**
 * A ping/push receiver in a process of its own (so its work does not share the OP's CPU): an
 * HTTPS server on 127.0.0.1 that answers 204 and tells the parent, per event-loop turn, which
 * auth_req_ids arrived and when (epoch ms with sub-millisecond precision, comparable across
 * processes of one machine).
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export type ReceiverMessage = { type: 'listening'; url: string } | { type: 'arrived'; pings: [authReqId: string, atMs: number][] };

const key = process.env.BENCH_TLS_KEY;
const cert = process.env.BENCH_TLS_CERT;
if (!key || !cert || !process.send) throw new Error('bench/callbacks/receiver.ts is forked by bench/callbacks.ts');
process.on('disconnect', () => process.exit(0));

const send = (message: ReceiverMessage): void => void process.send?.(message);
let batch: [string, number][] = [];

const server = createServer({ key, cert }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    res.writeHead(204).end();
    const id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { auth_req_id: string }).auth_req_id;
    if (batch.length === 0) {
      setImmediate(() => {
        send({ type: 'arrived', pings: batch });
        batch = [];
      });
    }
    batch.push([id, at]);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => send({ type: 'listening', url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` }));
