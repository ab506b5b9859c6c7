import { Logger } from '@nestjs/common';
import { runInTaskContext } from '../context/task-context.js';
import type { TaskDefinition } from '../discovery/task-definition.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { TaskCancelledError } from '../errors/task-cancelled.error.js';
import { TaskTimeoutError } from '../errors/task-timeout.error.js';
import { UnknownTaskError } from '../errors/unknown-task.error.js';
import { WorkerLostError } from '../errors/worker-lost.error.js';
import { WorkerShutdownError } from '../errors/worker-shutdown.error.js';
import { DEFAULT_HARD_TIMEOUT_RATIO } from '../queued-tasks.constants.js';
import { resultToJson } from '../queue/json-value.js';
import type { ClaimedTaskRow } from '../persistence/sql/task-row.js';
import type { CompletedAttempt, StartedAttempt } from '../persistence/attempt-records.js';
import type { TaskStore } from '../persistence/task-store.js';
import type { AttemptOutcome, StopReason } from './attempt-outcome.js';
import { attemptKey, type AttemptRecorder } from './attempt-recorder.js';
import { describe } from './error-record.js';
import { FailureWriter } from './failure-writer.js';
import { invokeHandler } from './handler-invoker.js';
import { RunningTaskContext } from './running-task-context.js';
import { SnoozeTask } from './snooze-task.js';
import type { TaskReportWriter } from './task-report-writer.js';
import type { TaskEventBus } from '../events/task-event-bus.js';
import { progressEvent } from './progress-events.js';

/** An attempt in progress. */
export interface RunningAttempt {
  key: string;
  row: ClaimedTaskRow;
  /** Worker incarnation that claimed it: every write of the attempt is guarded by it. */
  workerId: string;
  abort(reason: StopReason): void;
}

/**
 * What the worker hears of an attempt. Callbacks rather than promises: a
 * fast drain runs tens of thousands of attempts a second, and every promise
 * costs (the task context's AsyncLocalStorage hooks each one).
 */
export interface AttemptEvents {
  /** The handler returned or threw: only now is its slot free. */
  settled(): void;
  /** The worker is done with the attempt's row (written, or to be released, or left to rescue). */
  recorded(outcome: AttemptOutcome): void;
}

type HandlerOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs one claimed attempt: calls the handler inside its task context and
 * records the outcome (completion batched; failure with its retry decision;
 * a snooze, which gives the attempt back).
 *
 * The row stays `running` under its worker until the handler really settles:
 * a timed-out attempt is recorded as failed, and its retry scheduled, only
 * once the handler returned or threw, or at its hard timeout if it ignores
 * its signal (then its slot stays taken until it returns). Never throws.
 */
export class TaskRunner {
  private readonly logger = new Logger('QueuedTasks');
  private stopping = false;
  private readonly failures: FailureWriter;

  constructor(
    private readonly store: TaskStore,
    private readonly recorder: AttemptRecorder,
    private readonly events: TaskEventBus,
    private readonly findDefinition: (name: string) => TaskDefinition | undefined,
    /** Called with the run time of a scheduled retry or snooze, so the worker can arm its timer. */
    onRetryScheduled: (runAt: Date, queue: string) => unknown,
    private readonly reports: TaskReportWriter,
  ) {
    this.failures = new FailureWriter(store, recorder, events, onRetryScheduled);
  }

  /** Shutdown: stop retrying writes that keep failing, and write nothing new. */
  stop(): void {
    this.stopping = true;
    this.failures.stop();
  }

  /** Attempts whose failure or snooze is being written: their rows are still `running`. */
  failingKeys(): ReadonlySet<string> {
    return this.failures.failingKeys();
  }

  /** `cancelled`: a cancel was heard before it started; the handler is not called and the task ends `cancelled`. */
  start(row: ClaimedTaskRow, workerId: string, events: AttemptEvents, cancelled = false): RunningAttempt {
    const attempt: StartedAttempt = {
      id: row.id,
      attempt: row.attempts,
      workerId,
      key: attemptKey({ id: row.id, attempt: row.attempts, workerId }),
      startedAt: performance.now(),
    };
    // Made when first asked for: most handlers never read their signal, and
    // an AbortController per task is a measurable share of a fast drain.
    let controller: AbortController | null = null;
    const signal = () => (controller ??= new AbortController()).signal;
    let stopReason: StopReason | null = null;
    let onStopped: ((reason: StopReason) => void) | null = null;
    const abort = (reason: StopReason) => {
      if (stopReason) return;
      stopReason = reason;
      (controller ??= new AbortController()).abort(stopError(reason));
      onStopped?.(reason);
    };

    let finished = false;
    const finish = (result: HandlerOutcome | 'hard') => {
      if (finished) return;
      finished = true;
      const outcome = this.recordSafely(row, attempt, result, stopReason);
      if (typeof outcome === 'string') events.recorded(outcome);
      else void outcome.then(events.recorded);
    };
    let timers: NodeJS.Timeout[] = [];
    if (row.timeout_ms) {
      const timeoutMs = row.timeout_ms;
      const hardTimeoutMs = this.hardTimeoutOf(row);
      // Past its hard timeout a handler ignoring its signal loses its row, not its slot.
      onStopped = (reason) => {
        if (reason.kind === 'timeout') timers.push(setTimeout(() => finish('hard'), Math.max(0, hardTimeoutMs - timeoutMs)));
      };
      timers.push(
        setTimeout(() => {
          this.logger.warn(`Task ${row.id} (${row.name}) attempt ${row.attempts}/${row.max_attempts} passed its timeout of ${timeoutMs} ms; its AbortSignal fired`);
          abort({ kind: 'timeout', timeoutMs, hardTimeoutMs });
        }, timeoutMs),
      );
    }

    if (cancelled) abort({ kind: 'cancelled', taskId: row.id, taskName: row.name });
    this.recorder.markStarted(attempt);
    if (Logger.isLevelEnabled('debug')) this.logger.debug(`Task ${row.id} (${row.name}) attempt ${row.attempts}/${row.max_attempts} started`);
    if (!cancelled) {
      const at = Date.now();
      const started = () => ({ type: 'started' as const, taskId: row.id, name: row.name, queue: row.queue, attempt: row.attempts, maxAttempts: row.max_attempts, workerId, at: new Date(at) });
      // After the previous attempt's `retrying`, if its write has not returned yet; the handler does not wait.
      const previous = this.failures.afterWrites(row.id);
      if (previous === null) this.events.emitLazy('started', started);
      else void previous.then(() => this.events.emitLazy('started', started));
    }
    const outcome: Promise<HandlerOutcome> = cancelled
      ? Promise.resolve({ ok: false, error: stopError(stopReason!) })
      : this.invoke(row, workerId, signal, attempt.key);
    void outcome.then((result) => {
      for (const timer of timers) clearTimeout(timer);
      timers = [];
      events.settled();
      // Its log lines (and, unless it completed, all it reported) are written before its outcome; its slot is free meanwhile.
      const reported = this.reports.settle(attempt.key, result.ok && stopReason === null);
      if (reported) void reported.then(() => finish(result));
      else finish(result);
    });
    return { key: attempt.key, row, workerId, abort };
  }

  /** {@link record}, with anything it throws logged: an attempt always ends for the worker. */
  private recordSafely(
    row: ClaimedTaskRow,
    attempt: StartedAttempt,
    outcome: HandlerOutcome | 'hard',
    reason: StopReason | null,
  ): AttemptOutcome | Promise<AttemptOutcome> {
    const failed = (error: unknown): AttemptOutcome => {
      this.logger.error(`Recording the outcome of task ${row.id} failed: ${describe(error)}`);
      return 'abandoned';
    };
    try {
      const recorded = this.record(row, attempt, outcome, reason);
      return typeof recorded === 'string' ? recorded : recorded.catch(failed);
    } catch (error) {
      return failed(error);
    }
  }

  private hardTimeoutOf(row: ClaimedTaskRow): number {
    const configured = this.findDefinition(row.name)?.options.hardTimeoutMs;
    return Math.max(configured ?? 0, row.timeout_ms! * (configured === undefined ? DEFAULT_HARD_TIMEOUT_RATIO : 1));
  }

  /** Calls the handler; resolves with what it returned or threw, whatever that is. Never rejects. */
  private invoke(row: ClaimedTaskRow, workerId: string, signal: () => AbortSignal, key: string): Promise<HandlerOutcome> {
    const definition = this.findDefinition(row.name);
    if (!definition) return Promise.resolve({ ok: false, error: new NonRetryableError(new UnknownTaskError(row.name).message) });
    const context = new RunningTaskContext(row, workerId, signal, this.store, this.reports, key);
    // Called from a microtask, so a handler that throws synchronously is caught like one that rejects.
    return runInTaskContext(context, () => Promise.resolve().then(() => invokeHandler(definition, context, row.args))).then(
      (value): HandlerOutcome => ({ ok: true, value }),
      (error: unknown): HandlerOutcome => ({ ok: false, error }),
    );
  }

  /** Synchronous for a completion (queued for its batch), a promise for a failure (written before it returns). */
  private record(
    row: ClaimedTaskRow,
    attempt: StartedAttempt,
    outcome: HandlerOutcome | 'hard',
    reason: StopReason | null,
  ): AttemptOutcome | Promise<AttemptOutcome> {
    // Taken whatever the outcome, so none is left behind; only a completion carries it.
    const final = this.reports.takeFinal(attempt.key);
    // After shutdown gave up on it, the worker has handed its row back already.
    if (this.stopping) return 'abandoned';
    if (outcome === 'hard' && reason?.kind === 'timeout') {
      this.logger.error(
        `Task ${row.id} (${row.name}) ignored its AbortSignal for ${reason.hardTimeoutMs - reason.timeoutMs} ms after its timeout; ` +
          `its retry may now run while it still runs (its slot stays taken until it returns)`,
      );
      return this.failures.fail(row, attempt, new TaskTimeoutError(reason.timeoutMs, reason.hardTimeoutMs));
    }
    const handled = outcome as HandlerOutcome;
    // Before the snooze: a handler that overran its timeout failed, whatever it meant to do next.
    if (reason?.kind === 'timeout') return this.failures.fail(row, attempt, new TaskTimeoutError(reason.timeoutMs));
    if (!handled.ok) {
      // The handler's own decision, not a reaction to its signal: written even
      // at shutdown or after a lost lease (under the same guard as a failure).
      if (handled.error instanceof SnoozeTask) return this.failures.snooze(row, attempt, handled.error);
      if (reason?.kind === 'shutdown') return 'released';
      if (reason?.kind === 'lost') {
        // Recorded if the row is still this incarnation's; otherwise rescue already took it.
        return this.failures.fail(row, attempt, new WorkerLostError(reason.workerId), true);
      }
      return this.failures.fail(row, attempt, handled.error);
    }
    let json: string | null;
    try {
      json = resultToJson(handled.value);
    } catch (error) {
      // The same code would return the same value again: retrying cannot help.
      return this.failures.fail(row, attempt, error);
    }
    const durationMs = Math.round(performance.now() - attempt.startedAt);
    const { id: taskId, name, queue } = row;
    // Emitted once the completion is committed, so that a listener reading the task sees it finished.
    // A cancel heard while it ran wins over its result (complete-tasks.sql.ts): the task ends cancelled.
    const written =
      reason?.kind === 'cancelled'
        ? () => this.events.emit({ type: 'cancelled', taskId, name, queue, wasRunning: true, at: new Date() })
        : () =>
            this.events.emitLazy('completed', () => ({ type: 'completed', taskId, name, queue, attempt: row.attempts, maxAttempts: row.max_attempts, durationMs, at: new Date() }));
    // One literal of a fixed shape (a spread of the attempt costs more, once per task).
    this.recorder.complete({ id: attempt.id, attempt: attempt.attempt, workerId: attempt.workerId, key: attempt.key, startedAt: attempt.startedAt, result: json, reports: final?.reports, written });
    if (final?.progress) this.events.emit(progressEvent(row, final.progress));
    if (Logger.isLevelEnabled('debug')) this.logger.debug(`Task ${row.id} (${row.name}) completed in ${durationMs} ms`);
    return 'completed';
  }

  /** The database refused to store this completion's result: the task fails for good. */
  refuseResult(completed: CompletedAttempt, error: unknown): Promise<void> {
    return this.failures.refuseResult(completed, error);
  }
}

function stopError(reason: StopReason): Error {
  switch (reason.kind) {
    case 'timeout':
      return new TaskTimeoutError(reason.timeoutMs);
    case 'shutdown':
      return new WorkerShutdownError();
    case 'lost':
      return new WorkerLostError(reason.workerId);
    case 'cancelled':
      return new TaskCancelledError(reason.taskId, reason.taskName);
  }
}
