import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * A `@QueuedTask()` method lives on a request- or transient-scoped provider.
 * A worker has no request to build such a provider for, so this is refused at bootstrap.
 */
export class ScopedTaskHandlerError extends QueuedTasksError {
  constructor(className: string, methodName: string) {
    super(MESSAGES.scopedHandler(className, methodName));
  }
}
