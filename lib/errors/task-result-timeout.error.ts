import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** `TaskRef.result({ timeoutMs })` gave up waiting. The task itself goes on. */
export class TaskResultTimeoutError extends QueuedTasksError {
  constructor(
    readonly taskId: string,
    readonly timeoutMs: number,
  ) {
    super(MESSAGES.resultTimeout(taskId, timeoutMs));
  }
}
