import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * Recorded when the database refused to store a handler's result (too large
 * for jsonb, or rejected by a constraint or trigger of yours). The task fails
 * without retry: the same code would return the same result. Never thrown in
 * user code.
 */
export class TaskResultRefusedError extends QueuedTasksError {
  constructor(reason: string) {
    super(MESSAGES.resultRefused(reason));
  }
}
