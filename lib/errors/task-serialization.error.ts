import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * A task's arguments (or a handler's result) hold a value that would not come
 * back unchanged from JSON: BigInt, a function, a symbol, a circular
 * reference, a class instance, a Date, NaN or Infinity. Nothing was written.
 */
export class TaskSerializationError extends QueuedTasksError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(MESSAGES.serialization(path, reason));
  }
}
