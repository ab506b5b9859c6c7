import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** `TaskRef.result()` rejects with this when the task ended `cancelled`. */
export class TaskCancelledError extends QueuedTasksError {
  constructor(
    readonly taskId: string,
    readonly taskName: string,
  ) {
    super(MESSAGES.taskCancelled(taskId, taskName));
  }
}
