import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** The database could not be reached (connection refused, lost, or timed out). Nothing is known to have been written. */
export class QueueUnavailableError extends QueuedTasksError {
  constructor(reason: string, options?: ErrorOptions) {
    super(MESSAGES.databaseUnavailable(reason), options);
  }
}
