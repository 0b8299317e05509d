/**
 * Work a route leaves to run after its response is sent (reaching the end-user after
 * bc-authorize), tracked so a graceful shutdown can wait for the jobs still running before it
 * closes what they use. A job names its request in its own log lines (it closes over the id).
 */
import type { Logger } from '../context.js';

export class PostResponseJobs {
  private readonly running = new Set<Promise<void>>();

  /** `log`: the request's logger, for a job that fails. */
  start(job: () => Promise<void>, log: Logger): void {
    const run: Promise<void> = job()
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
