import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * A task's arguments (or a handler's result) hold a value that would not come
 * back unchanged from JSON: BigInt, a function, a symbol, a circular
 * reference, a class instance, a Date, NaN or Infinity; or one PostgreSQL's
 * jsonb cannot store (a NUL character, a string over 256 MB, nesting deeper
 * than 10,000 levels). Nothing was written.
 */
export class TaskSerializationError extends QueuedTasksError {
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(MESSAGES.serialization(path, reason), options);
  }
}
