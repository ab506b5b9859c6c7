import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** Recorded as an attempt's error when the handler ran past the task's `timeoutMs`; the attempt is retried by its backoff. */
export class TaskTimeoutError extends QueuedTasksError {
  constructor(
    readonly timeoutMs: number,
    /** Set when the handler ignored its signal until its hard timeout. */
    readonly hardTimeoutMs?: number,
  ) {
    super(hardTimeoutMs === undefined ? MESSAGES.taskTimeout(timeoutMs) : MESSAGES.taskHardTimeout(timeoutMs, hardTimeoutMs));
  }
}
