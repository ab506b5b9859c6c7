/**
 * A duration: a number of milliseconds, or a string with a unit as the
 * `ms` package reads it: `'90s'`, `'30m'`, `'12h'`, `'7d'`, `'2 weeks'`, `'1y'`.
 */
export type Duration = number | string;

/**
 * How long finished tasks are kept, by state, counted from when they
 * finished. A state left out is kept for ever: by default nothing is ever
 * deleted. The maintenance leader (one process at a time) deletes what is
 * older, with the task's stored log lines and dependency edges, in small
 * batches that never make a worker wait. A finished parent on which an
 * unfinished child depends is kept until that child finishes.
 *
 * @example
 * ```ts
 * QueuedTasksModule.forRoot({ connection, retention: { completed: '7d', failed: '30d', cancelled: '7d' } });
 * ```
 */
export interface QueuedTasksRetentionOptions {
  /** Keep `completed` tasks this long after they finished. @default kept for ever */
  completed?: Duration;
  /** Keep `failed` tasks this long after they finished. @default kept for ever */
  failed?: Duration;
  /** Keep `cancelled` tasks this long after they finished. @default kept for ever */
  cancelled?: Duration;
  /**
   * How often the maintenance leader prunes. Each pass stops after about
   * 2 seconds of batches and the next one goes on where it stopped, so a
   * large backlog is deleted over a few passes. @default 60_000
   */
  intervalMs?: number;
}

/** The finished states `purge` and retention delete. */
export type FinishedTaskState = 'completed' | 'failed' | 'cancelled';

/** What `TaskQueue.purge` deletes. */
export interface PurgeOptions {
  /** One finished state, or several. */
  state: FinishedTaskState | readonly FinishedTaskState[];
  /** Tasks that finished longer ago than this (`'1h'`, `'7d'`, or milliseconds; `0`: every one). */
  olderThan: Duration;
}

/** What `TaskQueue.purge` did. */
export interface PurgeResult {
  /** Tasks deleted (their log lines and dependency edges went with them). */
  deleted: number;
}
