/**
 * A hostile or broken script fails its own calls and nothing else: concurrent requests keep
 * succeeding and the OP process stays up, through the real HTTP flow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, postForm, startOp, type TestOp } from '../support/op.js';
import { TEST_CLIENTS } from './clients.js';

const ADMIN = 'h'.repeat(40);

const HOSTILE = `
export async function resolveLoginHint(ctx: { value: string }, api: { log(m: string): Promise<void> }) {
  switch (ctx.value) {
    case 'loop': while (true) {}
    case 'loop-after-await': await api.log('about to spin'); while (true) {}
    case 'memory': { const keep: string[] = []; for (;;) keep.push('x'.repeat(1 << 20) + keep.length); }
    case 'escape': {
      const f = (this as any)?.constructor?.constructor ?? Function;
      const p = f('return typeof process === "undefined" ? null : process')();
      return p ? { sub: 'escaped:' + p.pid } : { error: 'unknown_user_id', error_description: 'no process here' };
    }
    case 'abort': ('ab'.repeat(2 ** 27) as any).split('');
    default: return { sub: 'ivy' };
  }
}`;

/** The sandbox settings of this OP; polling is off, so containment holds without it too. */
const LIMITS = { workers: 2, cpuTimeLimitMs: 100, deadlineMs: 1500, memoryLimitMb: 16, maxCapabilityCallsPerCall: 7, quarantineAfterCrashes: 3, spinMicros: 0 };

describe('script containment through HTTP', () => {
  let t: TestOp;
  const auth = basic('poll', 'poll-secret');
  const bc = (hint: string) => postForm(`${t.url}/bc-authorize`, { scope: 'openid', login_hint: hint }, auth);

  beforeAll(async () => {
    t = await startOp({
      config: { clients: TEST_CLIENTS, adminToken: ADMIN, scripts: { ...LIMITS, typeCheckOnPush: false } },
    });
    await t.createUser({ sub: 'ivy' });
    const res = await fetch(`${t.url}/admin/scripts/hostile/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hook: 'resolveLoginHint', source: HOSTILE, activate: true }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(() => t.close());

  it('runs its sandbox with the scripts.* configuration', () => {
    expect(t.op.scripting.sandbox.options).toMatchObject(LIMITS);
  });

  /**
   * Calls of the same script version share its isolate in a worker, so a runaway call can
   * delay (and, when its isolate is reset, fail) calls of that same version queued behind it
   * on that worker. What must never suffer is the rest of the OP: requests that run no script.
   */
  it.each(['loop', 'loop-after-await', 'memory'])('%s fails only its own call while 20 concurrent requests succeed', async (hint) => {
    const ack = await bc('ivy');
    expect(ack.status).toBe(200);
    const poll = () => postForm(`${t.url}/token`, { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: ack.body.auth_req_id as string }, auth);
    const [bad, ...others] = await Promise.all([
      bc(hint),
      ...Array.from({ length: 10 }, poll),
      ...Array.from({ length: 10 }, () => fetch(`${t.url}/jwks`).then((r) => ({ status: r.status, body: {} as Record<string, unknown> }))),
    ]);
    expect(bad?.status).toBe(500);
    expect(bad?.body.error).toBe('server_error');
    for (const res of others) expect([200, 400]).toContain(res.status);
    expect(others.filter((r) => r.status === 400).every((r) => ['authorization_pending', 'slow_down'].includes(String(r.body.error)))).toBe(true);
    expect((await bc('ivy')).status).toBe(200);
  });

  it('reaches no host object through the Function constructor', async () => {
    const res = await bc('escape');
    expect(res.body).toMatchObject({ error: 'unknown_user_id', error_description: 'no process here' });
  });

  it('survives a script that aborts V8 in its worker, then quarantines it after repeated crashes', async () => {
    // Building the huge string may also trip the CPU limit first (the isolate is reset, no
    // crash), so keep going until three worker deaths have quarantined the version.
    let record = await t.op.context.store.scripts.get('hostile');
    for (let i = 0; i < 10 && !record?.quarantine; i += 1) {
      const [bad, good] = await Promise.all([bc('abort'), bc('ivy')]);
      expect(bad.status).toBe(500);
      // A call that shared the dying worker may fail with it; the OP itself must answer.
      expect([200, 500]).toContain(good.status);
      await new Promise((r) => setTimeout(r, 50));
      record = await t.op.context.store.scripts.get('hostile');
    }
    expect(record?.quarantine).toMatchObject({ version: 1, reason: expect.stringMatching(/killed or wedged sandbox workers 3 times/) });
    const deaths = t.logs.lines.filter((l) => l.event === 'sandbox.worker.died');
    expect(deaths.length).toBeGreaterThanOrEqual(3);
    // Quarantined: the hook answers a clear error at once; the process is still serving.
    expect((await bc('ivy')).status).toBe(500);
    expect((await fetch(`${t.url}/.well-known/openid-configuration`)).status).toBe(200);
    const logged = t.logs.lines.filter((l) => l.msg === 'interception script failed').map((l) => String(l.kind));
    expect(logged).toContain('quarantined');
  });
});
