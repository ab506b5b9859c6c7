import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** Recorded as an attempt's error when the handler ran past the task's `timeoutMs`; the attempt is retried by its backoff. */
export class TaskTimeoutError extends QueuedTasksError {
  constructor(readonly timeoutMs: number) {
    super(MESSAGES.taskTimeout(timeoutMs));
  }
}
