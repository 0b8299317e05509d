/**
 * The supervisor's side of one worker process: starting it, talking to it, and noticing —
 * exactly once — that it is gone, however it went (exit, signal, lost IPC channel, failed
 * start). What the messages mean is the pool's business.
 */
import type { ChildProcess } from 'node:child_process';
import { forkWorker } from './fork-worker.js';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import { parseStallNote, STALL_FD } from './stall-guard.js';
import type { LoadedScript } from './types.js';

/** How long a worker whose IPC channel closed may take to exit before it is killed. */
const EXIT_AFTER_DISCONNECT_MS = 200;
/** How long after its exit a worker's pipes may take to close before its death is handled anyway. */
const CLOSE_AFTER_EXIT_MS = 1000;
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
  /** performance.now() of its last message. */
  lastHeardAt = 0;
  /** Its last message said it polls for the next one (busy-poll.ts). */
  private polls = false;
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
      this.lastHeardAt = performance.now();
      this.polls = (message.t === 'result' || message.t === 'cap') && message.polls;
      if (message.t === 'ready') {
        this.ready = true;
        this.settleReady(true);
      }
      this.listener.message(message);
    });
    // 'close' comes after the exit and after every pipe of the child was read to its end, so a
    // stall note or the last words V8 printed are in by then; 'exit' only arms a fallback.
    const cause = (code: number | null, signal: NodeJS.Signals | null): string => (signal ? `killed by ${signal}` : `exited with code ${code}`);
    this.child.on('close', (code, signal) => this.end(cause(code, signal)));
    this.child.on('exit', (code, signal) => {
      setTimeout(() => this.end(cause(code, signal)), CLOSE_AFTER_EXIT_MS).unref();
    });
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
    const stall = this.child.stdio[STALL_FD];
    if (stall && 'setEncoding' in stall) {
      let lines = '';
      stall.setEncoding('utf8');
      stall.on('data', (chunk: string) => {
        lines = (lines + chunk).slice(-OUTPUT_TAIL_CHARS);
        for (const line of lines.split('\n').slice(0, -1)) {
          const note = parseStallNote(line);
          if (note) this.blame = { key: note.key, cause: `wedged its worker (script code ran ${note.ms} ms without returning control; isolated-vm lost control of its isolate)` };
        }
        lines = lines.slice(lines.lastIndexOf('\n') + 1);
      });
    }
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

  /**
   * Whether it is most likely still polling for its next message, so that a message sent now
   * finds it awake: it said it would poll, and its window (`windowMs`) has not run out.
   */
  awake(windowMs: number): boolean {
    return this.polls && performance.now() - this.lastHeardAt < windowMs;
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
