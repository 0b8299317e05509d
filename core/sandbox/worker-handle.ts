/**
 * The supervisor's side of one worker process: starting it, talking to it, and noticing —
 * exactly once — that it is gone, however it went (exit, signal, lost IPC channel, failed
 * start). What the messages mean is the pool's business.
 */
import type { ChildProcess } from 'node:child_process';
import { forkWorker } from './fork-worker.js';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import type { LoadedScript } from './types.js';

/** How long a worker whose IPC channel closed may take to exit before it is killed. */
const EXIT_AFTER_DISCONNECT_MS = 200;
/** Worker output kept for the log when it dies (V8 prints its fatal errors there). */
const OUTPUT_TAIL_CHARS = 2000;

export interface WorkerListener {
  message(message: FromWorker): void;
  gone(cause: string): void;
}

export class WorkerHandle {
  /** Versions this worker was given the code of, by key. */
  readonly loaded = new Map<string, LoadedScript>();
  /** Ids of the pool's calls running here. */
  readonly inFlight = new Set<number>();
  /** Cancels sent on a deadline and not yet answered, by call id. */
  readonly cancels = new Map<number, NodeJS.Timeout>();
  /** Set when the pool knows which version is killing this worker (catastrophic error, wedge). */
  blame: { key: string; cause: string } | undefined;
  /** It said it was ready at some point (it may be gone since). */
  ready = false;
  /** True once the worker is ready; false if it is gone before that. */
  readonly whenReady: Promise<boolean>;
  readonly whenGone: Promise<void>;

  private readonly child: ChildProcess;
  private isGone = false;
  private output = '';
  private settleReady: (ready: boolean) => void = () => {};
  private settleGone: () => void = () => {};

  constructor(config: WorkerConfig, private readonly listener: WorkerListener) {
    this.whenReady = new Promise((resolve) => {
      this.settleReady = resolve;
    });
    this.whenGone = new Promise((resolve) => {
      this.settleGone = resolve;
    });
    this.child = forkWorker(config);
    this.child.on('message', (message: FromWorker) => {
      if (message.t === 'ready') {
        this.ready = true;
        this.settleReady(true);
      }
      this.listener.message(message);
    });
    this.child.on('exit', (code, signal) => this.end(signal ? `killed by ${signal}` : `exited with code ${code}`));
    this.child.on('disconnect', () => {
      setTimeout(() => {
        this.kill();
        this.end('its IPC channel closed');
      }, EXIT_AFTER_DISCONNECT_MS).unref();
    });
    // Failed sends surface here too; the exit that follows is what counts. A failed spawn has no pid.
    this.child.on('error', (err) => {
      if (this.child.pid === undefined) this.end(`could not start: ${err.message}`);
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        this.output = (this.output + chunk).slice(-OUTPUT_TAIL_CHARS);
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get gone(): boolean {
    return this.isGone;
  }

  /** May be given calls: ready, not gone, and not suspected of being wedged (a cancel unanswered). */
  get usable(): boolean {
    return this.ready && !this.isGone && this.cancels.size === 0;
  }

  /** Throws only if `message` cannot be serialized; a message to a dead worker is dropped. */
  send(message: ToWorker): void {
    if (!this.isGone && this.child.connected) this.child.send(message);
  }

  /** What the worker printed last, for the log. */
  outputTail(): string {
    return this.output.trim();
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Closing the channel makes the worker kill itself. */
  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private end(cause: string): void {
    if (this.isGone) return;
    this.isGone = true;
    this.settleReady(false);
    for (const timer of this.cancels.values()) clearTimeout(timer);
    this.cancels.clear();
    this.listener.gone(cause);
    this.settleGone();
  }
}
