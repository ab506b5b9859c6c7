import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * The queue's database refused a statement for a reason that is neither the
 * caller's value nor an outage (the original driver error is the `cause`;
 * its SQLSTATE is `code`). Report it: it is likely a bug, or a schema
 * changed by hand.
 */
export class QueueDatabaseError extends QueuedTasksError {
  constructor(
    reason: string,
    /** The SQLSTATE PostgreSQL sent, when it sent one. */
    readonly code: string | undefined,
    options?: ErrorOptions,
  ) {
    super(MESSAGES.databaseRefused(reason, code), options);
  }
}
