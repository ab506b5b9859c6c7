import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * Name recorded in a task's error history when it was taken back from dead
 * workers `worker.maxRescues` times and failed instead of being handed to
 * another: it may be what kills them. Never thrown in user code.
 */
export class TaskPoisonedError extends QueuedTasksError {
  constructor(rescues: number) {
    super(MESSAGES.taskPoisoned(rescues));
  }
}
