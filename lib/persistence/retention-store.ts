import { Injectable } from '@nestjs/common';
import type { RetentionAges } from '../config/resolve-retention.js';
import { QueueDatabase } from './queue-database.js';
import type { SqlStatement } from './sql-statement.js';
import { PRUNE_BATCH, pruneFinishedStatement } from './sql/prune-finished.sql.js';

/** What a run of prune batches did. */
export interface PruneOutcome {
  /** Tasks deleted, by state. */
  deleted: RetentionAges & Record<keyof RetentionAges, number>;
  /** Stored log lines deleted with them. */
  logLines: number;
  /** Batches (statements) sent. */
  batches: number;
  /**
   * Where the walk stopped: '0' when it reached tasks too young to prune
   * (the next run starts over from the oldest), else the last id read
   * (the next run goes on after it).
   */
  resumeAfter: string;
}

/** How a run of prune batches may go on. */
export interface PruneLimits {
  /** Walk ids after this one ('0': from the oldest task). */
  after?: string;
  /** Send no further batch once this many ms have passed (the first is always sent). */
  budgetMs?: number;
  /** Asked before each batch: true stops the run (shutdown). */
  stopped?: () => boolean;
}

/**
 * Deletion of old finished tasks, for the leader's retention passes and
 * `TaskQueue.purge`: batches of prune-finished.sql.ts, each its own short
 * statement and transaction, so no lock is held from one to the next.
 */
@Injectable()
export class RetentionStore {
  private readonly statement: SqlStatement;

  constructor(private readonly db: QueueDatabase) {
    this.statement = pruneFinishedStatement(db.tables);
  }

  /** Deletes finished tasks older than `ages`, batch after batch, until the walk ends or a limit stops it. */
  async prune(ages: RetentionAges, limits: PruneLimits = {}): Promise<PruneOutcome> {
    const outcome: PruneOutcome = { deleted: { completed: 0, failed: 0, cancelled: 0 }, logLines: 0, batches: 0, resumeAfter: limits.after ?? '0' };
    const given = [ages.completed, ages.failed, ages.cancelled].filter((age): age is number => age !== null);
    if (given.length === 0) return { ...outcome, resumeAfter: '0' };
    const youngest = Math.min(...given);
    const started = performance.now();
    let after = outcome.resumeAfter;
    // At least one batch per call, however small the budget: every pass makes progress.
    while (!limits.stopped?.()) {
      const [row] = await this.db.query<BatchRow>(this.statement, [after, ages.completed, ages.failed, ages.cancelled, youngest]);
      outcome.batches++;
      outcome.deleted.completed += Number(row!.completed);
      outcome.deleted.failed += Number(row!.failed);
      outcome.deleted.cancelled += Number(row!.cancelled);
      outcome.logLines += Number(row!.log_lines);
      if (row!.past_cutoff || row!.last_id === null || Number(row!.scanned) < PRUNE_BATCH) {
        after = '0';
        break;
      }
      after = row!.last_id;
      if (limits.budgetMs !== undefined && performance.now() - started >= limits.budgetMs) break;
    }
    outcome.resumeAfter = after;
    return outcome;
  }
}

interface BatchRow {
  completed: string;
  failed: string;
  cancelled: string;
  log_lines: string;
  edges: string;
  last_id: string | null;
  scanned: string;
  past_cutoff: boolean;
}
