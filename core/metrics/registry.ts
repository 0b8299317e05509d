/**
 * The OP's Prometheus series, each defined here once. Every OP gets its own registry rather
 * than prom-client's global one, so several OPs in one process (tests, benchmarks) count apart.
 * Counters are in-process: with several OP processes, sum them in Prometheus.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { LabeledCounter, LabeledHistogram } from './series.js';

/** Seconds; from a cache-hit poll (~1 ms) to a script that runs into its deadline. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds; an embedded-store read is tens of microseconds, a MongoDB write a few milliseconds. */
const STORE_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];

/** The outbox depth gauge reads the store at scrape time: the count is shared by every process. */
export type OutboxDepthSource = () => Promise<number>;

/** What the sandbox gauges read at scrape time (LazySandbox.stats(); null before its first call). */
export interface SandboxGaugeSource {
  stats(): { workers: Array<{ ready: boolean }>; inFlight: number; workerRestarts: number; quarantined: unknown[] } | null;
}

export class Metrics {
  readonly registry = new Registry();
  private sandbox: SandboxGaugeSource | null = null;
  private outboxDepth: OutboxDepthSource | null = null;

  readonly httpRequests = this.counter('ciba_op_http_requests_total', 'HTTP requests answered, by method, route pattern and status', [
    'method',
    'route',
    'status',
  ]);
  readonly httpDuration = this.histogram(
    'ciba_op_http_request_duration_seconds',
    'Time from the request arriving to the response sent, by method, route pattern and status',
    ['method', 'route', 'status'],
    LATENCY_BUCKETS,
  );
  readonly oauthErrors = this.counter(
    'ciba_op_oauth_errors_total',
    'Error responses by route pattern and OAuth error code (authorization_pending, slow_down, invalid_client, ...)',
    ['route', 'error'],
  );
  readonly rateLimited = this.counter(
    'ciba_op_rate_limited_total',
    'Requests refused by a rate limit (503 + Retry-After), by endpoint and limit (client or ip)',
    ['endpoint', 'limit'],
  );
  readonly authRequests = this.counter(
    'ciba_op_auth_requests_total',
    'Auth requests by outcome: accepted (stored pending), approved, denied, expired, failed, issued',
    ['outcome'],
  );
  readonly tokensIssued = this.counter('ciba_op_tokens_issued_total', 'Successful token responses by grant type', ['grant_type']);
  readonly scriptCalls = this.counter(
    'ciba_op_script_calls_total',
    'Interception script calls by hook, script, version and result (ok or the failure kind)',
    ['hook', 'script', 'version', 'result'],
  );
  readonly scriptErrors = this.counter(
    'ciba_op_script_errors_total',
    'Failed interception script calls by script, version and kind (throw, timeout, cpu, memory, crash, ...)',
    ['script', 'version', 'kind'],
  );
  readonly scriptTimeouts = this.counter(
    'ciba_op_script_timeouts_total',
    'Interception script calls that passed their wall-clock deadline, by script and version',
    ['script', 'version'],
  );
  readonly scriptDuration = this.histogram(
    'ciba_op_script_call_duration_seconds',
    'Wall-clock duration of interception script calls (capability calls included), by script and version',
    ['script', 'version'],
    LATENCY_BUCKETS,
  );
  readonly notifierAttempts = this.counter(
    'ciba_op_notifier_attempts_total',
    'End-user notification attempts by channel and result (delivered or the error code)',
    ['channel', 'result'],
  );
  readonly outboxEvents = this.counter(
    'ciba_op_outbox_events_total',
    'Ping/push callbacks by event (attempt, delivered, retry, dead_letter) and mode (ping, push)',
    ['event', 'mode'],
  );
  readonly storeDuration = this.histogram(
    'ciba_op_store_operation_duration_seconds',
    'Store operation latency by repository and operation',
    ['repo', 'operation'],
    STORE_BUCKETS,
  );
  readonly storeErrors = this.counter(
    'ciba_op_store_operation_errors_total',
    'Store operations that failed (duplicate keys included), by repository and operation',
    ['repo', 'operation'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const stats = () => this.sandbox?.stats() ?? null;
    new Gauge({
      name: 'ciba_op_sandbox_workers',
      help: 'Sandbox worker processes by state (ready or not); none until the first script call',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const workers = stats()?.workers ?? [];
        const ready = workers.filter((w) => w.ready).length;
        this.set({ state: 'ready' }, ready);
        this.set({ state: 'not_ready' }, workers.length - ready);
      },
    });
    this.gauge('ciba_op_sandbox_calls_in_flight', 'Script calls running in the sandbox now', () => stats()?.inFlight ?? 0);
    this.gauge(
      'ciba_op_sandbox_worker_restarts',
      'Sandbox workers replaced since start (a worker died: crash, wedge, catastrophic OOM)',
      () => stats()?.workerRestarts ?? 0,
    );
    this.gauge('ciba_op_sandbox_quarantined_versions', 'Script versions quarantined in this process for killing workers', () => stats()?.quarantined.length ?? 0);
    const depth = () => this.outboxDepth?.() ?? Promise.resolve(0);
    new Gauge({
      name: 'ciba_op_outbox_depth',
      help: 'Ping/push callbacks waiting to be sent, across all processes (the same value from each: use max, not sum)',
      registers: [this.registry],
      async collect() {
        this.set(await depth());
      },
    });
  }

  observeOutboxDepth(source: OutboxDepthSource): void {
    this.outboxDepth = source;
  }

  /** The sandbox exists after the metrics (it is assembled later); its gauges read it from then on. */
  observeSandbox(source: SandboxGaugeSource): void {
    this.sandbox = source;
  }

  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): LabeledCounter<L> {
    return new LabeledCounter({ name, help, labelNames, registry: this.registry });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): LabeledHistogram<L> {
    return new LabeledHistogram({ name, help, labelNames, registry: this.registry }, buckets);
  }

  /** A gauge read at scrape time. */
  private gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
