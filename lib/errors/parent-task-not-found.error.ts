import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** `dependsOn` names a task that does not exist; nothing of the call (or flow, or batch) was written. */
export class ParentTaskNotFoundError extends QueuedTasksError {
  constructor(readonly parentId: string) {
    super(MESSAGES.parentNotFound(parentId));
  }
}
