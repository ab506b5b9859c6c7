import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** Two handlers claim the same task name. Thrown at bootstrap. */
export class DuplicateTaskNameError extends QueuedTasksError {
  constructor(
    readonly taskName: string,
    first: string,
    second: string,
  ) {
    super(MESSAGES.duplicateTaskName(taskName, first, second));
  }
}
