import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * `TaskQueue` was used before the application's bootstrap discovered the
 * handlers (`app.init()` not called yet, or an enqueue from a provider's
 * constructor). Nothing was written.
 */
export class QueuedTasksNotReadyError extends QueuedTasksError {
  constructor() {
    super(MESSAGES.notReady());
  }
}
