import { validateSnoozeDelay } from '../config/validate-task-options.js';
import { MESSAGES } from '../errors/messages.js';
import { QueuedTasksError } from '../errors/queued-tasks.error.js';

/**
 * Throw it from a handler to run the task again in `delayMs` without
 * spending an attempt: "not yet", not "failed". The worker gives the attempt
 * back (the next run has the same `currentTask().attempt`, and a task on its
 * last attempt keeps it), makes the task `scheduled` until then (`pending`
 * for a delay of 0), and records the snooze in the task's history
 * (`TaskInfo.snoozes`), never among its `errors`. It is logged at `debug`
 * level only.
 *
 * An Error (a `QueuedTasksError`, like `NonRetryableError`) so that it can
 * be thrown anywhere in the handler's call tree, satisfies lint rules that
 * only Errors be thrown, and carries a stack if it escapes outside a task.
 *
 * A snooze thrown after the attempt's `timeoutMs` fired counts as the
 * timeout: the attempt fails with `TaskTimeoutError` (it overran its time,
 * whatever it meant to do next). Thrown after the worker lost its lease,
 * it changes nothing if the task was taken back meanwhile: it is written
 * under the same guard as a failure (still `running` under this worker and
 * attempt).
 *
 * @throws InvalidTaskOptionsError when constructed with a delay that is not
 * an integer from 0 to 2,147,483,647 ms (negative, fractional, `NaN`,
 * `Infinity`): nothing is written, and the handler throws that error instead.
 *
 * @example
 * ```ts
 * @QueuedTask({ name: 'report.export' })
 * async export(reportId: string) {
 *   if (!(await this.reports.isReady(reportId))) throw new SnoozeTask(30_000);
 *   return this.reports.upload(reportId);
 * }
 * ```
 */
export class SnoozeTask extends QueuedTasksError {
  /** Milliseconds until the task runs again, measured on the database's clock from when the snooze is written. */
  readonly delayMs: number;

  constructor(delayMs: number) {
    super(MESSAGES.taskSnoozed(validateSnoozeDelay(delayMs)));
    this.delayMs = delayMs;
  }
}
