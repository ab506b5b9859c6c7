import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** Name recorded in a task's error history when its worker died mid-attempt. Never thrown in user code. */
export class WorkerLostError extends QueuedTasksError {
  constructor(workerId: string) {
    super(MESSAGES.workerLost(workerId));
  }
}
