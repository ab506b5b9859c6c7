import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** `TaskQueues.pause` or `resume` named a queue nothing knows of (a typo, most likely). Nothing was written. */
export class QueueNotFoundError extends QueuedTasksError {
  constructor(readonly queue: string) {
    super(MESSAGES.queueNotFound(queue));
  }
}
