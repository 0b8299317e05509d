import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITY_ARITY, SandboxPool } from '../../core/sandbox/index.js';
import { hook, script, startPool, valueOf } from './support.js';

let pool: SandboxPool;
let hostCalls: Awaited<ReturnType<typeof startPool>>['calls'];
/** Capability answers the tests steer by capability name; the rest echo their arguments. */
const steer = new Map<string, () => unknown>();

beforeAll(async () => {
  ({ pool, calls: hostCalls } = await startPool({ deadlineMs: 3000 }, (call) => {
    const answer = steer.get(call.capability);
    return answer ? answer() : { echo: call.args };
  }));
});

afterAll(async () => {
  await pool?.close();
});

describe('running hooks', () => {
  it('returns what a trivial hook returns, with its duration and CPU time', async () => {
    const result = await pool.call(hook('trivial', 1, 'return { doubled: ctx.n * 2 };'), { n: 21 });
    expect(result).toMatchObject({ ok: true, value: { doubled: 42 } });
    expect(result.durationUs).toBeGreaterThan(0);
  });

  it('accepts a hook that resolves to nothing', async () => {
    expect(await pool.call(hook('nothing', 1, 'return;'), {})).toMatchObject({ ok: true, value: undefined });
  });

  it('forwards every capability to the host with the call context, and hands back its answer', async () => {
    const before = hostCalls.length;
    const body = `
      return [
        await api.users.find('email', ctx.email),
        await api.users.checkUserCode('sub-1', '1234'),
        await api.notify.email({ to: ctx.email }),
        await api.notify.sms({ to: '+1' }),
        await api.notify.push({ device: 'd' }),
        await api.notify.webhook({ url: 'https://x' }),
        await api.log('info', 'hello', { a: 1 }),
        await api.secrets.get('smtp'),
        await api.http.post('https://allowed.example', { b: 2 }),
        await api.jwt.verifyWithClientKeys('a.b.c', 'client-1'),
      ];`;
    const result = await pool.call(hook('caps', 1, body), { email: 'a@b.c' }, { requestId: 'req-1', dryRun: true });
    expect(valueOf(result)).toEqual([
      { echo: ['email', 'a@b.c'] },
      { echo: ['sub-1', '1234'] },
      { echo: [{ to: 'a@b.c' }] },
      { echo: [{ to: '+1' }] },
      { echo: [{ device: 'd' }] },
      { echo: [{ url: 'https://x' }] },
      { echo: ['info', 'hello', { a: 1 }] },
      { echo: ['smtp'] },
      { echo: ['https://allowed.example', { b: 2 }] },
      { echo: ['a.b.c', 'client-1'] },
    ]);
    const made = hostCalls.slice(before);
    const order = ['users.find', 'users.checkUserCode', 'notify.email', 'notify.sms', 'notify.push', 'notify.webhook', 'log', 'secrets.get', 'http.post', 'jwt.verifyWithClientKeys'];
    expect(made.map((call) => call.capability)).toEqual(order);
    expect([...order].sort()).toEqual(Object.keys(CAPABILITY_ARITY).sort());
    expect(made[0]).toEqual({ capability: 'users.find', args: ['email', 'a@b.c'], script: 'caps', version: 1, requestId: 'req-1', dryRun: true });
  });

  it('hands out api members that can be destructured, the same one each time in a call', async () => {
    const before = hostCalls.length;
    const body = `
      const { log, notify: { email } } = api;
      const same = api.log === log && api.notify.email === email && api.users === api.users;
      await log('destructured');
      await email({ to: 'x' });
      return { same, keys: Object.keys(api), inherited: Object.keys(Object.getPrototypeOf(api)).sort() };`;
    expect(valueOf(await pool.call(hook('destructure', 1, body), {}, { requestId: 'req-d' }))).toEqual({
      same: true,
      keys: [],
      inherited: ['http', 'jwt', 'log', 'notify', 'secrets', 'users'],
    });
    expect(hostCalls.slice(before).map((call) => [call.capability, call.requestId])).toEqual([['log', 'req-d'], ['notify.email', 'req-d']]);
  });

  it('keeps module state across calls of one version', async () => {
    const counter = script('counter', 1, 'h', 'let calls = 0;\nexport async function h() { calls += 1; return calls; }\n');
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(valueOf(await pool.call(counter, {})));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs dry runs in an isolate of their own, so module state never mixes with real calls', async () => {
    const counter = script('dryCounter', 1, 'h', 'let calls = 0;\nexport async function h() { calls += 1; return calls; }\n');
    expect(valueOf(await pool.call(counter, {}))).toBe(1);
    expect(valueOf(await pool.call(counter, {}, { dryRun: true }))).toBe(1);
    expect(valueOf(await pool.call(counter, {}, { dryRun: true }))).toBe(2);
    expect(valueOf(await pool.call(counter, {}))).toBe(2);
    await pool.retire('dryCounter', 1);
    for (const worker of pool.stats().workers) expect(worker.loadedVersions.filter((key) => key.startsWith('dryCounter'))).toEqual([]);
  });

  it('rejects input that is not JSON data, as a caller error', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(pool.call(hook('trivial', 1, 'return 1;'), cyclic)).rejects.toThrow(/^sandbox input must be JSON data/);
    expect(pool.stats().inFlight).toBe(0);
  });

  it('isolates versions from each other: module state and globals', async () => {
    const source = (tag: string) =>
      `let calls = 0;\nexport async function h() {\n  calls += 1;\n  const before = (globalThis as any).mark;\n  (globalThis as any).mark = '${tag}';\n  return { calls, before };\n}\n`;
    const v1 = script('shared', 1, 'h', source('v1'));
    const v2 = script('shared', 2, 'h', source('v2'));
    expect(valueOf(await pool.call(v1, {}))).toEqual({ calls: 1 });
    expect(valueOf(await pool.call(v2, {}))).toEqual({ calls: 1 });
    expect(valueOf(await pool.call(v1, {}))).toEqual({ calls: 2, before: 'v1' });
    expect(valueOf(await pool.call(v2, {}))).toEqual({ calls: 2, before: 'v2' });
  });

  it('lets calls in flight finish on their version while retire() waits for them', async () => {
    let release: (value: unknown) => void = () => {};
    steer.set('secrets.get', () => new Promise((resolve) => (release = resolve)));
    const v1 = hook('rolling', 1, "return { version: 1, secret: await api.secrets.get('k') };");
    const v2 = hook('rolling', 2, 'return { version: 2 };');
    const inFlight = pool.call(v1, {});
    await until(() => hostCalls.some((call) => call.script === 'rolling'));
    let retired = false;
    const retiring = pool.retire('rolling', 1).then(() => (retired = true));
    expect(valueOf(await pool.call(v2, {}))).toEqual({ version: 2 });
    expect(retired).toBe(false);
    release('s3cret');
    expect(valueOf(await inFlight)).toEqual({ version: 1, secret: 's3cret' });
    await retiring;
    steer.delete('secrets.get');
    for (const worker of pool.stats().workers) expect(worker.loadedVersions).not.toContain('rolling@1');
  });
});

describe('dispatch', () => {
  it('keeps sequential calls on the worker heard from last (still polling) once every worker runs the version', async () => {
    const counter = script('sticky', 1, 'h', 'let calls = 0;\nexport async function h() { calls += 1; return calls; }\n');
    // Two calls at once: the second goes to the idle worker, so both load the version.
    expect((await Promise.all([pool.call(counter, {}), pool.call(counter, {})])).map(valueOf)).toEqual([1, 1]);
    for (const worker of pool.stats().workers) expect(worker.loadedVersions.some((key) => key.startsWith('sticky@1'))).toBe(true);
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(valueOf(await pool.call(counter, {})));
    // Taken in turn, the workers' counters would interleave: 2, 2, 3, 3, ...
    expect(seen).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('takes a polling window of 0 (never poll) and refuses a negative one', () => {
    const host = () => Promise.resolve(null);
    expect(new SandboxPool({ spinMicros: 0 }, host).options.spinMicros).toBe(0);
    expect(() => new SandboxPool({ spinMicros: -1 }, host)).toThrow(/spinMicros must be an integer of at least 0/);
    expect(() => new SandboxPool({ workers: 0 }, host)).toThrow(/workers must be an integer of at least 1/);
  });
});

describe('script errors', () => {
  it('reports a runtime error at its TS line through the source map', async () => {
    const source = [
      "import type { Api } from 'ciba-op/script';", // stripped: JS lines no longer match TS lines
      '',
      'interface Ctx {',
      '  hint: string;',
      '}',
      '',
      'export async function h(ctx: Ctx, api: Api): Promise<string> {',
      "  if (ctx.hint.length > 0) throw new RangeError('unknown hint ' + ctx.hint);",
      "  return 'x';",
      '}',
    ].join('\n');
    const result = await pool.call(script('throws', 4, 'h', source), { hint: 'bob' });
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'throw', line: 8, column: 34, message: 'throws@4.ts:8:34: RangeError: unknown hint bob' },
    });
  });

  it('reports a non-Error throw', async () => {
    const result = await pool.call(hook('throwsString', 1, "throw 'just a string';"), {});
    expect(result).toMatchObject({ ok: false, error: { kind: 'throw', message: 'throwsString@1: the script threw a non-Error value: just a string' } });
  });

  it('fails to load a script that imports anything but ciba-op/script, naming the import', async () => {
    for (const [version, specifier] of ['node:fs', './helper.js', 'isolated-vm'].entries()) {
      const result = await pool.call(script('imports', version, 'h', `import x from '${specifier}';\nexport async function h() { return x; }\n`), {});
      expect(result).toMatchObject({
        ok: false,
        error: { kind: 'compile', message: `imports@${version}: could not load: import '${specifier}' is not allowed: scripts may import only from 'ciba-op/script'` },
      });
    }
  });

  it('has no dynamic import inside the sandbox', async () => {
    const result = await pool.call(hook('dynamic', 1, "return await import('node:fs').then(() => 'imported', (e) => 'refused: ' + e.message);"), {});
    expect(valueOf(result)).toBe('refused: Not supported');
  });

  it('fails to load a script whose top level throws, at its TS line', async () => {
    const source = "type T = string;\n\nconst config: T = JSON.parse('{');\nexport async function h() { return config; }\n";
    const result = await pool.call(script('topLevel', 1, 'h', source), {});
    expect(result).toMatchObject({ ok: false, error: { kind: 'compile', line: 3 } });
    expect(result.ok || result.error.message).toMatch(/^topLevel@1\.ts:3:\d+: could not load: .*JSON/);
  });

  it('fails to load a script that does not export the hook by name', async () => {
    const result = await pool.call(script('wrongExport', 1, 'resolveLoginHint', 'export default async function () { return 1; }\n'), {});
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'compile', message: "wrongExport@1: could not load: the script does not export a function named 'resolveLoginHint'" },
    });
  });

  it('refuses a result over the size limit, and results that are not JSON data', async () => {
    const huge = await pool.call(hook('huge', 1, "return 'x'.repeat(300 * 1024);"), {});
    expect(huge).toMatchObject({ ok: false, error: { kind: 'invalid-result' } });
    expect(huge.ok || huge.error.message).toMatch(/^huge@1: the result is \d+ bytes of JSON, more than the limit of 262144$/);
    for (const [name, body] of [
      ['fn', 'return { f() {} };'],
      ['cyclic', 'const a: any = {}; a.self = a; return a;'],
      ['bigint', 'return 10n;'],
      ['apiItself', 'return api;'],
      ['apiInside', 'return { api };'],
    ]) {
      const result = await pool.call(hook(name as string, 1, body as string), {});
      expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-result' } });
    }
  });
});

describe('capability calls', () => {
  it('reject inside the script when their arguments are bad, without reaching the host', async () => {
    const before = hostCalls.length;
    const body = `
      const outcomes: string[] = [];
      const attempt = async (f: () => Promise<unknown>) => {
        try { await f(); outcomes.push('resolved'); } catch (e: any) { outcomes.push(e.constructor.name + ': ' + e.message); }
      };
      const cyclic: any = {}; cyclic.self = cyclic;
      await attempt(() => api.notify.email({ render() {} }));
      await attempt(() => api.notify.email(cyclic));
      await attempt(() => api.notify.email({ body: 'x'.repeat(70 * 1024) }));
      await attempt(() => api.notify.email(Symbol('s')));
      await attempt(() => api.users.find('email'));
      await attempt(() => api.log());
      await attempt(() => api.log(api));
      return outcomes;`;
    const outcomes = valueOf(await pool.call(hook('badArgs', 1, body), {})) as string[];
    expect(outcomes[0]).toBe('TypeError: api.notify.email(): arguments must be JSON data (a function is not JSON data)');
    expect(outcomes[1]).toMatch(/^TypeError: api\.notify\.email\(\): arguments must be JSON data \(Converting circular structure/);
    expect(outcomes[2]).toMatch(/^Error: api\.notify\.email\(\): the arguments are \d+ bytes of JSON, more than the limit of 65536$/);
    expect(outcomes[3]).toBe('TypeError: api.notify.email(): arguments must be JSON data (a symbol is not JSON data)');
    expect(outcomes[4]).toBe('Error: api.users.find(): takes 2 argument(s), got 1');
    expect(outcomes[5]).toBe('Error: api.log(): takes 1 to 3 argument(s), got 0');
    expect(outcomes[6]).toBe('TypeError: api.log(): arguments must be JSON data (api is not JSON data)');
    expect(hostCalls.length).toBe(before);
  });

  it('are limited per hook call', async () => {
    const before = hostCalls.length;
    const body = `
      const outcomes: string[] = [];
      for (let i = 0; i < 22; i++) {
        try { await api.log('n' + i); outcomes.push('ok'); } catch (e: any) { outcomes.push(e.message); }
      }
      return outcomes;`;
    const outcomes = valueOf(await pool.call(hook('chatty', 1, body), {})) as string[];
    expect(outcomes.slice(0, 20).every((o) => o === 'ok')).toBe(true);
    expect(outcomes.slice(20)).toEqual([
      'api.log(): more than 20 capability calls in one hook call',
      'api.log(): more than 20 capability calls in one hook call',
    ]);
    expect(hostCalls.length - before).toBe(20);
  });

  it('turn a host that throws synchronously, or rejects, into a rejected promise in the script', async () => {
    steer.set('secrets.get', () => {
      throw new Error('no such secret');
    });
    steer.set('users.find', () => Promise.reject(new Error('store unavailable')));
    const body = `
      const outcomes: string[] = [];
      for (const f of [() => api.secrets.get('k'), () => api.users.find('sub', 'x')]) {
        try { await f(); outcomes.push('resolved'); } catch (e: any) { outcomes.push(e.message); }
      }
      return outcomes;`;
    const result = await pool.call(hook('hostFails', 1, body), {});
    steer.delete('secrets.get');
    steer.delete('users.find');
    expect(valueOf(result)).toEqual(['api.secrets.get(): no such secret', 'api.users.find(): store unavailable']);
    expect(valueOf(await pool.call(hook('trivial', 1, 'return { doubled: ctx.n * 2 };'), { n: 1 }))).toEqual({ doubled: 2 });
  });

  it('made by promise chains left running after the call ended are refused', async () => {
    const before = hostCalls.length;
    const body = `
      api.log('first').then(() => api.log('after the call'));
      return 'done';`;
    expect(valueOf(await pool.call(hook('leftover', 1, body), {}))).toBe('done');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hostCalls.slice(before).map((call) => call.args[0])).toEqual(['first']);
  });
});

describe('calls sharing one isolate', () => {
  it('credits each capability call to the call whose api made it', async () => {
    let release: (value: unknown) => void = () => {};
    const held = new Promise((resolve) => (release = resolve));
    // One worker: both calls run in the one isolate of the version, interleaved.
    const single = await startPool({ workers: 1 }, (call) => (call.capability === 'secrets.get' ? held : 'ok'));
    try {
      const shared = hook('interleaved', 1, "if (ctx.wait) await api.secrets.get('k');\nawait api.log(ctx.name);\nreturn ctx.name;");
      const first = single.pool.call(shared, { name: 'first', wait: true }, { requestId: 'req-first' });
      await until(() => single.calls.length === 1);
      expect(valueOf(await single.pool.call(shared, { name: 'second', wait: false }, { requestId: 'req-second' }))).toBe('second');
      release('s');
      expect(valueOf(await first)).toBe('first');
      expect(single.calls.map((call) => [call.capability, call.args[0], call.requestId])).toEqual([
        ['secrets.get', 'k', 'req-first'],
        ['log', 'second', 'req-second'],
        ['log', 'first', 'req-first'],
      ]);
    } finally {
      await single.pool.close();
    }
  });
});

describe('escape attempts', () => {
  it('reach no host object', async () => {
    const body = `
      const g: any = globalThis;
      const probe = async (f: () => unknown) => { try { return typeof await f(); } catch (e: any) { return 'threw ' + e.constructor.name; } };
      const frames: string[] = [];
      (Error as any).prepareStackTrace = (_e: unknown, sites: any[]) => {
        for (const site of sites) frames.push(typeof site.getThis() + '/' + typeof site.getFunction());
        return '';
      };
      try { await api.users.find('email'); } catch (e: any) { e.stack; }
      (Error as any).prepareStackTrace = undefined;
      // Pollution that would turn transfer options into references if they were looked up on prototypes.
      (Object.prototype as any).reference = true;
      (Object.prototype as any).copy = undefined;
      (Object.prototype as any).promise = undefined;
      const afterPollution = await api.users.find('sub', 'p');
      delete (Object.prototype as any).reference; delete (Object.prototype as any).copy; delete (Object.prototype as any).promise;
      let frozen = 'not frozen';
      try { (api as any).log = () => 1; } catch { frozen = 'frozen'; }
      try { (api.notify as any).email = () => 1; } catch { frozen += ' deep'; }
      return {
        globals: ['process', 'require', 'module', 'global', 'fetch', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'FinalizationRegistry', 'Buffer', 'setTimeout', '$0', 'ivm']
          .filter((name) => name in g),
        viaConstructor: await probe(() => (({}) as any).constructor.constructor('return process')()),
        viaApiFunction: await probe(() => (api.log as any).constructor('return process')()),
        viaThis: await probe(function (this: any) { return this.constructor.constructor('return process')(); }),
        apiFunctionGlobal: Object.getOwnPropertyNames((api.log as any).constructor('return this')()).filter((n) => /process|require|ivm|Reference/i.test(n)),
        evalRef: await probe(() => eval('$0')),
        apiPrototype: Object.isFrozen(Object.getPrototypeOf(api)) && Object.getPrototypeOf(Object.getPrototypeOf(api)) === null
          && Object.getPrototypeOf(api.notify) === null && (api as any).constructor === undefined,
        forgedApi: await probe(() => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(api), 'log')!.get!.call({})),
        frames: [...new Set(frames)],
        afterPollution,
        afterPollutionIsPlain: Object.getPrototypeOf(afterPollution) === Object.prototype,
        frozen,
      };`;
    expect(valueOf(await pool.call(hook('escape', 1, body), {}))).toEqual({
      globals: [],
      viaConstructor: 'threw ReferenceError',
      viaApiFunction: 'threw ReferenceError',
      viaThis: 'threw TypeError',
      apiFunctionGlobal: [],
      evalRef: 'threw ReferenceError',
      apiPrototype: true,
      forgedApi: 'threw TypeError',
      frames: ['undefined/undefined'],
      afterPollution: { echo: ['sub', 'p'] },
      afterPollutionIsPlain: true,
      frozen: 'frozen deep',
    });
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
