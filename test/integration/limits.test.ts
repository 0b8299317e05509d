/**
 * Load shedding and limits over real HTTP: per-client and per-IP rate limits answer 503 with
 * Retry-After (never 429), failed authentications do not drain the named client's bucket, the
 * body size limit holds, and a request that arrives too slowly is cut off.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { CIBA, TEST_CLIENTS } from './clients.js';

describe('rate limits and request limits', () => {
  let t: TestOp;
  const poll = (auth: Record<string, string>) => postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: 'unknown' }, auth);

  beforeAll(async () => {
    t = await startOp({
      config: {
        clients: TEST_CLIENTS,
        rateLimits: {
          token: { perClient: { ratePerSec: 0.5, burst: 2 }, perIp: null },
          bcAuthorize: { perClient: null, perIp: { ratePerSec: 0.25, burst: 3 } },
        },
        http: { bodyLimitBytes: 2048, requestTimeoutMs: 400 },
      },
    });
  });
  afterAll(() => t.close());

  it('answers a client over its token-endpoint rate with 503 and Retry-After, and only that client', async () => {
    const auth = basic('poll', 'poll-secret');
    expect((await poll(auth)).body.error).toBe('invalid_grant');
    expect((await poll(auth)).body.error).toBe('invalid_grant');
    const limited = await poll(auth);
    expect(limited.status).toBe(503);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.body).toEqual({ error: 'temporarily_unavailable', error_description: 'too many requests: retry later' });
    expect((await poll(basic('posting', 'posting-secret'))).status).toBe(401);
    expect((await postForm(`${t.url}/token`, { grant_type: CIBA, auth_req_id: 'x', client_id: 'posting', client_secret: 'posting-secret' })).body.error).toBe('invalid_grant');
  });

  it('gives back what failed authentications took: naming a client cannot drain its bucket', async () => {
    for (let i = 0; i < 5; i++) expect((await poll(basic('other', 'wrong-secret'))).status).toBe(401);
    expect((await poll(basic('other', 'other-secret'))).body.error).toBe('invalid_grant');
    expect((await poll(basic('other', 'other-secret'))).body.error).toBe('invalid_grant');
    expect((await poll(basic('other', 'other-secret'))).status).toBe(503);
  });

  it('limits /bc-authorize per IP before reading the body, also with 503 and Retry-After', async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: 'nobody' }, basic('poll', 'poll-secret')));
    expect(results.slice(0, 3).map((r) => r.body.error)).toEqual(['unknown_user_id', 'unknown_user_id', 'unknown_user_id']);
    expect(results[3]?.status).toBe(503);
    expect(results[3]?.headers.get('retry-after')).toBe('4');
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toContain('ciba_op_rate_limited_total{endpoint="bc-authorize",limit="ip"} 1');
    expect(metrics).toContain('ciba_op_rate_limited_total{endpoint="token",limit="client"} 2');
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await postForm(`${t.url}/token`, { grant_type: CIBA, padding: 'x'.repeat(4096) }, basic('coded', 'coded-secret'));
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('invalid_request');
  });

  it('cuts off a request whose body does not arrive within the request timeout', async () => {
    const { port } = new URL(t.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /token HTTP/1.1\r\nHost: op\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=');
      });
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      setTimeout(() => reject(new Error('the connection stayed open')), 5000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(2500);
  });
});
