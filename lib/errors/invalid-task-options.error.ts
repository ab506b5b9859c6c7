import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** An option of `add`, of `@QueuedTask()` or of the module defaults is out of range. Nothing was written. */
export class InvalidTaskOptionsError extends QueuedTasksError {
  constructor(
    /** The option refused, as a path: `backoff.delayMs`. */
    readonly option: string,
    reason: string,
    /** Where it was given: `defaults`, `@QueuedTask() of MailTasks.send`, `requests[2].options`; empty for a single `add`. */
    readonly source = '',
  ) {
    super(MESSAGES.invalidOption(option, reason, source));
  }
}
