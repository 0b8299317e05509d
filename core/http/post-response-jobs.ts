/**
 * Work a route leaves to run after its response is sent (reaching the end-user after
 * bc-authorize). Each job runs under its request's id, for the log, and is tracked so a graceful
 * shutdown can wait for the jobs still running before it closes what they use.
 */
import { withRequestId } from '../logging.js';
import type { Logger } from '../context.js';

export class PostResponseJobs {
  private readonly running = new Set<Promise<void>>();

  start(requestId: string, job: () => Promise<void>, log: Logger): void {
    const run: Promise<void> = withRequestId(requestId, job)
      .catch((err: unknown) => log.error({ err }, 'post-response job failed'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves once no job runs (jobs started meanwhile included). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
