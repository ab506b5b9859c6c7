import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** `add` was called with a task name no provider registered. Nothing was written. */
export class UnknownTaskError extends QueuedTasksError {
  constructor(readonly taskName: string) {
    super(MESSAGES.unknownTaskName(taskName));
  }
}
