import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** Reason of a handler's AbortSignal when shutdown's grace period ran out; the task goes back to `pending` without spending its attempt. */
export class WorkerShutdownError extends QueuedTasksError {
  constructor() {
    super(MESSAGES.shutdownAbort());
  }
}
