/**
 * The deployer's end of the webhook notification channel, on plain HTTP loopback: it records
 * every event and hands out the verification links, as a real receiver would forward them to
 * the user's device. `failFor` subjects get a 500, so the channel's failure path runs too.
 */
import { createServer, type Server } from 'node:http';

export interface WebhookEvent {
  data: { auth_req_id: string; sub: string; link: string };
}

export interface WebhookReceiver {
  url: string;
  events: WebhookEvent[];
  /** The link the OP sent for an auth request, once it has arrived. */
  linkFor(authReqId: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export const WEBHOOK_SECRET = 'webhook-hmac-secret-'.padEnd(40, 'w');

export async function startWebhookReceiver(failFor: readonly string[] = []): Promise<WebhookReceiver> {
  const events: WebhookEvent[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookEvent;
      if (failFor.includes(event.data.sub)) return void res.writeHead(500).end();
      events.push(event);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/ciba-events`,
    events,
    async linkFor(authReqId, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const event = events.find((e) => e.data.auth_req_id === authReqId);
        if (event) return event.data.link;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no webhook event for ${authReqId}`);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The OP's notification config for this receiver: the webhook channel only, one attempt. */
export function webhookChannel(receiver: WebhookReceiver): Record<string, unknown> {
  return {
    channels: ['webhook'],
    webhookUrl: receiver.url,
    webhook: { secret: WEBHOOK_SECRET, allowInsecureHttp: true, maxAttempts: 1, timeoutMs: 2000 },
  };
}
