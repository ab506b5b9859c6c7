import { Logger } from '@nestjs/common';
import type { CompletedAttempt, TaskStore } from '../persistence/task-store.js';

/** Rows per completion statement: keeps parameter arrays and the notify payloads small. */
const MAX_BATCH = 1_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * Writes completions in batches: the first completion is written at once,
 * and those that arrive while a write is in flight go together in the next
 * statement. At low load each task costs one statement, as unbatched
 * completion would; under load one statement completes hundreds.
 *
 * A completion not yet written when the process dies is not lost work: the
 * task stays `running` under a dead worker and is rescued and run again
 * (at-least-once, like every queue that cannot make the handler's side
 * effects part of its transaction).
 */
export class CompletionBatcher {
  private readonly logger = new Logger('QueuedTasks');
  private queued: CompletedAttempt[] = [];
  private flushing: Promise<void> | null = null;
  private retryDelay = RETRY_MIN_MS;
  private stopped = false;
  /** Set while the worker's claim is in flight: its next claim will carry what arrives meanwhile. */
  private held = false;

  constructor(
    private readonly store: TaskStore,
    private readonly workerId: string,
  ) {}

  get size(): number {
    return this.queued.length;
  }

  complete(attempt: CompletedAttempt): void {
    this.queued.push(attempt);
    if (!this.flushing && !this.held) this.flushing = this.flush();
  }

  /**
   * Hands the queued completions to a claim statement that will record them,
   * and holds new ones for the next claim until `release()`. While a worker
   * drains a backlog, claims follow each other closely and completion rides
   * on them for free; when no claim follows, `release()` writes at once.
   */
  takeForClaim(): CompletedAttempt[] {
    this.held = true;
    return this.queued.splice(0, MAX_BATCH);
  }

  /** The claim that carried them failed: they go back in front. */
  requeue(attempts: CompletedAttempt[]): void {
    this.queued.unshift(...attempts);
  }

  /** No claim follows for now: write what was held. */
  release(): void {
    this.held = false;
    if (this.queued.length > 0 && !this.flushing) this.flushing = this.flush();
  }

  /** Writes everything queued. With `giveUp`, a database that stays down ends the wait (the tasks will be rescued). */
  async drain(giveUp = false): Promise<void> {
    this.stopped = giveUp;
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, MAX_BATCH);
      try {
        await this.store.complete(this.workerId, batch);
        this.retryDelay = RETRY_MIN_MS;
      } catch (error) {
        if (this.stopped) {
          this.logger.error(`Could not record ${batch.length} completions (${(error as Error).message}); they will run again`);
          continue;
        }
        // Keep them: the tasks are done, only the record is missing.
        this.queued.unshift(...batch);
        this.logger.warn(`Recording completions failed (${(error as Error).message}); retrying in ${this.retryDelay} ms`);
        await new Promise((resolve) => setTimeout(resolve, this.retryDelay));
        this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
      }
    }
    this.flushing = null;
  }
}
