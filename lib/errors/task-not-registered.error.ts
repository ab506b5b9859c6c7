import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** `add(Class, 'method')` named a class or method that is not a discovered task handler. Nothing was written. */
export class TaskNotRegisteredError extends QueuedTasksError {
  constructor(
    readonly className: string,
    readonly methodName: string,
  ) {
    super(MESSAGES.taskNotRegistered(className, methodName));
  }
}
