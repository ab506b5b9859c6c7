import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * PostgreSQL answered but refused the connection: a wrong password, a role
 * or database that does not exist, a `pg_hba.conf` rule. Retrying will not
 * help; fix the settings. (An unreachable server is a
 * `QueueUnavailableError`.)
 */
export class QueueConnectionError extends QueuedTasksError {
  constructor(
    /** Where the connection went, without the password: `postgres://app@db:5432/app`. */
    readonly target: string,
    reason: string,
    /** The SQLSTATE PostgreSQL sent (28P01 wrong password, 28000 unknown role or refused, 3D000 unknown database). */
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(MESSAGES.connectionRefused(target, reason), options);
  }
}
