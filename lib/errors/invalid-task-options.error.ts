import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** An option of `add`, of `@QueuedTask()` or of the module defaults is out of range. Nothing was written. */
export class InvalidTaskOptionsError extends QueuedTasksError {
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(MESSAGES.invalidOption(option, reason));
  }
}
