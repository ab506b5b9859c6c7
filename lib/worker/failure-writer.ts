import { Logger } from '@nestjs/common';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { TaskResultRefusedError } from '../errors/task-result-refused.error.js';
import { TaskSerializationError } from '../errors/task-serialization.error.js';
import type { ClaimedTaskRow } from '../persistence/sql/task-row.js';
import type { AttemptKey, CompletedAttempt } from '../persistence/attempt-records.js';
import type { TaskStore } from '../persistence/task-store.js';
import { isTransientDatabaseError } from '../persistence/translate-database-error.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import { describe, toAttemptError } from './error-record.js';
import { retryDelayMs } from './retry-delay.js';
import type { SnoozeTask } from './snooze-task.js';
import type { TaskEventBus } from '../events/task-event-bus.js';
import { emitFailureEvent } from './failure-events.js';

/** Failure records the database refuses for their content are retried this many times, then given up (logged). */
const MAX_REFUSED_FAILURE_WRITES = 3;

/**
 * Writes failed attempts: the error joins the task's history, and the task
 * is rescheduled by its backoff or ends `failed`. Also writes snoozed ones
 * (see {@link snooze}), which leave `running` by the same road. Either is
 * written before the attempt ends for the worker: while the database is
 * unreachable the write is retried for as long as the worker lives (nobody
 * else may take a running task of a live worker).
 */
export class FailureWriter {
  private readonly logger = new Logger('QueuedTasks');
  private stopping = false;
  /** Attempts whose failure or snooze is being written: their rows are still `running`. */
  private readonly failing = new Set<string>();
  /** Per task id, the failure or snooze being written with its event (see `afterWrites`). */
  private readonly writing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: TaskStore,
    private readonly recorder: AttemptRecorder,
    private readonly events: TaskEventBus,
    /** Called with the run time of a scheduled retry or snooze, so the worker can arm its timer. */
    private readonly onRetryScheduled: (runAt: Date, queue: string) => unknown,
  ) {}

  /** Shutdown: stop retrying writes that keep failing. */
  stop(): void {
    this.stopping = true;
  }

  failingKeys(): ReadonlySet<string> {
    return this.failing;
  }

  /**
   * Settles once the failure or snooze of `taskId` being written (with its
   * `retrying` event) is done, or null when none is: the next attempt's
   * `started` waits for it, so that a process emits them in their order
   * (the retry's claim can come back before the failure's own reply).
   */
  afterWrites(taskId: string): Promise<unknown> | null {
    return this.writing.get(taskId) ?? null;
  }

  /** The database refused to store this completion's result: the task fails for good. */
  async refuseResult(completed: CompletedAttempt, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : describe(error);
    this.logger.error(`The database refused the result of task ${completed.id}: ${reason}. The task fails without retry`);
    const record = toAttemptError(new TaskResultRefusedError(reason), completed.attempt);
    await this.writeFailure(
      { id: completed.id, attempt: completed.attempt, workerId: completed.workerId, key: completed.key, startedAt: completed.startedAt },
      record,
      false,
      0,
    );
  }

  async fail(
    row: ClaimedTaskRow,
    attempt: AttemptKey & { startedAt: number },
    error: unknown,
    forceRetry = false,
  ): Promise<AttemptOutcome> {
    const final =
      !forceRetry &&
      (error instanceof NonRetryableError || error instanceof TaskSerializationError || row.attempts >= row.max_attempts);
    const retry = !final && (!forceRetry || row.attempts < row.max_attempts);
    const record = toAttemptError(error, row.attempts);
    return this.holding(attempt, async () => {
      let delay = 0;
      if (retry) {
        delay = await this.retrying(() => this.store.getBackoff(row.id)).then(
          (backoff) => retryDelayMs(backoff, row.attempts),
          () => retryDelayMs(null, row.attempts),
        );
      }
      const updated = await this.writeFailure(attempt, record, retry, delay);
      const written = updated?.state;
      if (updated) emitFailureEvent(this.events, row, updated, record);
      if (written === 'pending' || written === 'scheduled') {
        this.logger.warn(`Task ${row.id} (${row.name}) attempt ${row.attempts}/${row.max_attempts} failed: ${record.message}; retrying in ${delay} ms`);
      } else if (written === 'cancelled') {
        if (Logger.isLevelEnabled('debug')) this.logger.debug(`Task ${row.id} (${row.name}) cancelled on attempt ${row.attempts}/${row.max_attempts}`);
      } else if (written === 'failed') {
        // The stack once, here: retries above print one line each.
        this.logger.error(
          `Task ${row.id} (${row.name}) failed for good on attempt ${row.attempts}/${row.max_attempts}: ${record.name}: ${record.message}`,
          record.stack,
        );
      }
      return 'failed';
    });
  }

  /**
   * The handler threw a {@link SnoozeTask}: the attempt is given back and the
   * task runs again after the delay (see snooze-task.sql.ts). Not a failure:
   * nothing above `debug` is logged. A snooze the guard refuses (the task was
   * rescued meanwhile) changes nothing.
   */
  snooze(row: ClaimedTaskRow, attempt: AttemptKey, snooze: SnoozeTask): Promise<AttemptOutcome> {
    return this.holding(attempt, async () => {
      const written = { ...attempt, claimedRunAtMs: row.run_at_ms, delayMs: snooze.delayMs, message: snooze.message };
      const updated = await this.retrying(() => this.store.snooze(written)).catch((error: unknown) => {
        this.logger.error(`Could not record the snooze of task ${row.id}: ${describe(error)}`);
        return undefined;
      });
      if (updated && updated.state !== 'cancelled') this.onRetryScheduled(updated.run_at, updated.queue);
      if (Logger.isLevelEnabled('debug')) {
        this.logger.debug(
          updated
            ? `Task ${row.id} (${row.name}) attempt ${row.attempts}/${row.max_attempts} snoozed for ${snooze.delayMs} ms; the attempt is given back`
            : `The snooze of task ${row.id} (${row.name}) attempt ${row.attempts} changed nothing: the task is no longer this attempt's`,
        );
      }
      return 'snoozed';
    });
  }

  /** Runs `write` while the attempt's row is held: still `running` and being written, so reconciliation leaves it alone. */
  private holding(attempt: AttemptKey, write: () => Promise<AttemptOutcome>): Promise<AttemptOutcome> {
    this.failing.add(attempt.key);
    this.recorder.forget(attempt);
    const written = write();
    const tracked = written.catch(() => undefined);
    this.writing.set(attempt.id, tracked);
    return written.finally(() => {
      this.failing.delete(attempt.key);
      if (this.writing.get(attempt.id) === tracked) this.writing.delete(attempt.id);
    });
  }

  /** @returns the task's new state and run time, or undefined when the write was refused by the guard or could not be made. */
  private async writeFailure(
    attempt: AttemptKey & { startedAt: number },
    record: object,
    retry: boolean,
    delayMs: number,
  ): Promise<{ state: string; run_at: Date } | undefined> {
    const updated = await this.retrying(() =>
      this.store.fail({ ...attempt, error: JSON.stringify(record), retry, retryDelayMs: delayMs }),
    ).catch((error: unknown) => {
      this.logger.error(`Could not record the failure of task ${attempt.id}: ${describe(error)}`);
      return undefined;
    });
    if (updated?.state === 'pending' || updated?.state === 'scheduled') this.onRetryScheduled(updated.run_at, updated.queue);
    return updated;
  }

  /**
   * Retries a write while the database is unreachable, for as long as the
   * worker lives: nobody else may take a running task of a live worker, so
   * giving up would leave it `running`. A write refused for its content is
   * retried a few times only.
   */
  private async retrying<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        const unavailable = isTransientDatabaseError(error);
        if (this.stopping || (!unavailable && attempt >= MAX_REFUSED_FAILURE_WRITES)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 5_000)));
      }
    }
  }
}
