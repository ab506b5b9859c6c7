import type { TaskAttemptError } from '../interfaces/task-info.interface.js';
import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** `TaskRef.result()` rejects with this when the task ended `failed`; `errors` holds every attempt's error. */
export class TaskFailedError extends QueuedTasksError {
  constructor(
    readonly taskId: string,
    readonly taskName: string,
    readonly errors: readonly TaskAttemptError[],
  ) {
    super(MESSAGES.taskFailed(taskId, taskName, errors.at(-1)?.message ?? 'unknown error'));
  }
}
