import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** An option of `add`, of `@QueuedTask()`, of the module defaults or the delay of a `SnoozeTask` is out of range. Nothing was written. */
export class InvalidTaskOptionsError extends QueuedTasksError {
  constructor(
    /** The option refused, as a path: `backoff.delayMs`. */
    readonly option: string,
    reason: string,
    /** Where it was given: `defaults`, `@QueuedTask() of MailTasks.send`, `requests[2].options`, `new SnoozeTask()`; empty for a single `add`. */
    readonly source = '',
  ) {
    super(MESSAGES.invalidOption(option, reason, source));
  }
}
