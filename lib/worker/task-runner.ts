import { Logger } from '@nestjs/common';
import { runInTaskContext, type TaskContext } from '../context/task-context.js';
import type { TaskDefinition } from '../discovery/task-definition.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { TaskSerializationError } from '../errors/task-serialization.error.js';
import { TaskTimeoutError } from '../errors/task-timeout.error.js';
import { UnknownTaskError } from '../errors/unknown-task.error.js';
import { resultToJson } from '../queue/json-value.js';
import type { ClaimedTaskRow } from '../persistence/sql/task-row.js';
import type { TaskStore } from '../persistence/task-store.js';
import { AttemptAborted, type AbortReason, type AttemptOutcome } from './attempt-outcome.js';
import type { CompletionBatcher } from './completion-batcher.js';
import { toAttemptError } from './error-record.js';
import { retryDelayMs } from './retry-delay.js';

/** An attempt in progress: the worker aborts it through `abort`. */
export interface RunningAttempt {
  row: ClaimedTaskRow;
  abort(reason: AbortReason): void;
  done: Promise<AttemptOutcome>;
}

/**
 * Runs one claimed attempt: calls the handler inside its task context, and
 * records the outcome (completion batched; failure with its retry decision).
 * Never throws: every outcome, including a broken handler, is recorded.
 */
export class TaskRunner {
  private readonly logger = new Logger('QueuedTasks');
  private stopping = false;

  constructor(
    private readonly store: TaskStore,
    private readonly completions: CompletionBatcher,
    private readonly workerId: string,
    private readonly findDefinition: (name: string) => TaskDefinition | undefined,
    /** Called with the run time of a scheduled retry, so the worker can arm its timer. */
    private readonly onRetryScheduled: (runAt: Date) => unknown,
  ) {}

  /** Shutdown: stop retrying writes that keep failing. */
  stop(): void {
    this.stopping = true;
  }

  start(row: ClaimedTaskRow): RunningAttempt {
    const controller = new AbortController();
    let rejectAbort!: (reason: AttemptAborted) => void;
    // The handler may ignore its signal; the attempt still ends for the worker when it is aborted.
    const aborted = new Promise<never>((_, reject) => (rejectAbort = reject));
    aborted.catch(() => undefined);
    let timeout: NodeJS.Timeout | null = null;
    const abort = (reason: AbortReason) => {
      if (controller.signal.aborted) return;
      controller.abort(reason.kind === 'timeout' ? new TaskTimeoutError(reason.timeoutMs) : new Error('shutdown'));
      rejectAbort(new AttemptAborted(reason));
    };
    if (row.timeout_ms) timeout = setTimeout(() => abort({ kind: 'timeout', timeoutMs: row.timeout_ms! }), row.timeout_ms);
    const done = this.execute(row, controller.signal, aborted).finally(() => {
      if (timeout) clearTimeout(timeout);
    });
    return { row, abort, done };
  }

  private async execute(row: ClaimedTaskRow, signal: AbortSignal, aborted: Promise<never>): Promise<AttemptOutcome> {
    let result: unknown;
    try {
      const definition = this.findDefinition(row.name);
      if (!definition) throw new NonRetryableError(new UnknownTaskError(row.name).message);
      const context: TaskContext = {
        id: row.id,
        name: row.name,
        queue: row.queue,
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        signal,
        workerId: this.workerId,
      };
      const handler = definition.instance[definition.methodName]!;
      result = await Promise.race([
        runInTaskContext(context, () => Promise.resolve().then(() => handler.apply(definition.instance, row.args))),
        aborted,
      ]);
    } catch (error) {
      if (error instanceof AttemptAborted) {
        if (error.reason.kind === 'shutdown') return 'released';
        return this.fail(row, new TaskTimeoutError(error.reason.timeoutMs));
      }
      return this.fail(row, error);
    }
    let json: string | null;
    try {
      json = resultToJson(result);
    } catch (error) {
      // The same code would return the same value again: retrying cannot help.
      return this.fail(row, error);
    }
    this.completions.complete({ id: row.id, attempt: row.attempts, result: json });
    return 'completed';
  }

  private async fail(row: ClaimedTaskRow, error: unknown): Promise<AttemptOutcome> {
    const final =
      error instanceof NonRetryableError || error instanceof TaskSerializationError || row.attempts >= row.max_attempts;
    const record = toAttemptError(error, row.attempts);
    for (let attempt = 1; ; attempt++) {
      try {
        const delay = final ? 0 : retryDelayMs(await this.store.getBackoff(row.id), row.attempts);
        const updated = await this.store.fail(this.workerId, {
          id: row.id,
          attempt: row.attempts,
          error: JSON.stringify(record),
          retry: !final,
          retryDelayMs: delay,
        });
        if (updated?.state === 'pending') this.onRetryScheduled(updated.run_at);
        return 'failed';
      } catch (dbError) {
        // Rescue only takes tasks of dead workers: while this one lives, the
        // task would stay running for ever. Keep trying until shutdown, which
        // deregisters the worker and so hands the task to rescue.
        if (this.stopping) {
          this.logger.error(`Could not record failure of task ${row.id}: ${(dbError as Error).message}; it will be rescued`);
          return 'failed';
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 5_000)));
      }
    }
  }
}
