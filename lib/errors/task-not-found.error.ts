import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** No task has this id (it never existed or was deleted). */
export class TaskNotFoundError extends QueuedTasksError {
  constructor(readonly taskId: string) {
    super(MESSAGES.taskNotFound(taskId));
  }
}
