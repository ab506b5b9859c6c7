import { Inject, Injectable, Logger } from '@nestjs/common';
import { QUEUED_TASKS_CONFIG, RETENTION_PASS_BUDGET_MS } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { RetentionStore, type PruneOutcome } from '../persistence/retention-store.js';

/**
 * Retention, run by the maintenance leader every `retention.intervalMs`
 * (not on every rescue pass), beside its rescue passes rather than inside
 * them: a long prune never delays the rescue of a dead worker's tasks.
 *
 * A pass sends batches (see prune-finished.sql.ts) for at most
 * RETENTION_PASS_BUDGET_MS; the next one goes on after the last task read,
 * and starts over from the oldest once a walk reaches tasks too young to
 * prune. Two leaders for a moment both pruning is harmless: each batch
 * skips the rows the other has locked.
 */
@Injectable()
export class RetentionPass {
  private readonly logger = new Logger('QueuedTasks');
  private inFlight: Promise<void> | null = null;
  private lastStartedAt = -Infinity;
  private resumeAfter = '0';
  private stopped = false;
  private lastFailure = '';

  constructor(
    @Inject(QUEUED_TASKS_CONFIG) private readonly config: ResolvedQueuedTasksConfig,
    private readonly store: RetentionStore,
  ) {}

  /** Starts a pass when retention is on, the interval has passed and none is running. Returns at once. */
  startIfDue(): void {
    const { enabled, intervalMs } = this.config.retention;
    if (!enabled || this.stopped || this.inFlight || performance.now() - this.lastStartedAt < intervalMs) return;
    this.lastStartedAt = performance.now();
    this.inFlight = this.pass().finally(() => (this.inFlight = null));
  }

  /** One pass now, whatever the interval (tests and a CLI); resolves when it is done. */
  async runNow(): Promise<void> {
    await this.inFlight;
    this.lastStartedAt = performance.now();
    this.inFlight = this.pass().finally(() => (this.inFlight = null));
    await this.inFlight;
  }

  /** Shutdown: no batch after the one running, which is awaited. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.inFlight;
  }

  private async pass(): Promise<void> {
    try {
      const outcome = await this.store.prune(this.config.retention.ages, {
        after: this.resumeAfter,
        budgetMs: RETENTION_PASS_BUDGET_MS,
        stopped: () => this.stopped,
      });
      this.resumeAfter = outcome.resumeAfter;
      const deleted = outcome.deleted.completed + outcome.deleted.failed + outcome.deleted.cancelled;
      // Routine: quiet at `log` level.
      if (deleted > 0) this.logger.debug(describe(outcome, deleted));
      this.lastFailure = '';
    } catch (error) {
      const message = (error as Error).message;
      // One line per kind of failure while it lasts, not one per pass.
      if (message !== this.lastFailure) this.logger.warn(`Retention pass failed: ${message}`);
      this.lastFailure = message;
    }
  }
}

function describe(outcome: PruneOutcome, deleted: number): string {
  const { completed, failed, cancelled } = outcome.deleted;
  const more = outcome.resumeAfter === '0' ? '' : `; more to prune after id ${outcome.resumeAfter}`;
  return (
    `Retention deleted ${deleted} finished task(s) (completed ${completed}, failed ${failed}, cancelled ${cancelled}) ` +
    `and ${outcome.logLines} log line(s) in ${outcome.batches} batch(es)${more}`
  );
}
