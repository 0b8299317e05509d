/**
 * Probes for orchestrators and load balancers, both cheap. `/healthz` (liveness): the process
 * answers at all; it touches nothing. `/readyz` (readiness): this process can serve — the store
 * answers, the signing keys and the script table are loaded. Concurrent probes share one run of
 * the checks, each bounded by a timeout, so a probe storm costs one store ping and a hung store
 * cannot hang the probe. While shutting down both answer 503 (Fastify's `return503OnClosing`).
 */
import type { FastifyInstance } from 'fastify';

export interface ReadinessCheck {
  name: string;
  /** Throws (or rejects) when not ready. */
  check(): Promise<void> | void;
}

const CHECK_TIMEOUT_MS = 2000;

async function bounded(check: ReadinessCheck): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(checks: readonly ReadinessCheck[]) {
  let running: Promise<Record<string, string | null>> | null = null;
  const runChecks = (): Promise<Record<string, string | null>> => {
    running ??= Promise.all(checks.map(async (c) => [c.name, await bounded(c)] as const))
      .then((results) => Object.fromEntries(results))
      .finally(() => {
        running = null;
      });
    return running;
  };

  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { status: 'ok' };
    });

    app.get('/readyz', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const problems = await runChecks();
      const failing = Object.entries(problems).filter(([, problem]) => problem !== null);
      // Reasons go to the log only: the probe is unauthenticated and a store error may name hosts.
      if (failing.length) request.log.warn({ failing: Object.fromEntries(failing) }, 'not ready');
      const body = { status: failing.length ? 'not_ready' : 'ready', checks: Object.fromEntries(Object.entries(problems).map(([name, p]) => [name, p === null ? 'ok' : 'failing'])) };
      return reply.code(failing.length ? 503 : 200).send(body);
    });
  };
}
