import { Writable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logging.js';
import { lazyChildLogger } from '../../core/http/request-logger.js';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const root = createLogger(level, destination);
  let children = 0;
  const counting = new Proxy(root, {
    get(target, key, receiver) {
      if (key === 'child') return (...args: Parameters<typeof root.child>) => (children++, target.child(...args));
      return Reflect.get(target, key, receiver) as unknown;
    },
  }) as unknown as FastifyBaseLogger;
  return { lines, logger: counting, children: () => children };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('the per-request logger', () => {
  it('builds no child while nothing is written at the configured level', () => {
    const { logger, children } = capture('warn');
    const log = lazyChildLogger.call(null as never, logger, { requestId: 'r1' }, {}, undefined as never);
    log.info({ a: 1 }, 'not at warn');
    log.debug('nor this');
    expect(children()).toBe(0);
    expect(log.level).toBe('warn');
  });

  it('writes lines that name the request, and redacts them like the process logger', async () => {
    const { lines, logger, children } = capture('info');
    const log = lazyChildLogger.call(null as never, logger, { requestId: 'r2' }, {}, undefined as never);
    log.info({ client_secret: 's3cret' }, 'first');
    log.warn('second');
    await flush();
    expect(children()).toBe(1);
    expect(lines.map((l) => [l.requestId, l.msg, l.client_secret])).toEqual([
      ['r2', 'first', '[redacted]'],
      ['r2', 'second', undefined],
    ]);
  });

  it("honours a route's own log level, given as the child's level option", async () => {
    const { lines, logger } = capture('warn');
    const log = lazyChildLogger.call(null as never, logger, { requestId: 'r4' }, { level: 'debug' }, undefined as never);
    expect(log.level).toBe('debug');
    log.debug('route at debug');
    await flush();
    expect(lines.map((l) => [l.requestId, l.msg])).toEqual([['r4', 'route at debug']]);
  });

  it('takes a level of its own', async () => {
    const { lines, logger } = capture('warn');
    const log = lazyChildLogger.call(null as never, logger, { requestId: 'r3' }, {}, undefined as never);
    log.level = 'debug';
    log.debug('now written');
    await flush();
    expect(lines.map((l) => l.msg)).toEqual(['now written']);
  });
});
