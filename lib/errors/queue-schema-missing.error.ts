import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** The queue's tables do not exist: migrations were not run against this database. */
export class QueueSchemaMissingError extends QueuedTasksError {
  constructor(
    readonly schema: string,
    options?: ErrorOptions,
  ) {
    super(MESSAGES.schemaMissing(schema), options);
  }
}
