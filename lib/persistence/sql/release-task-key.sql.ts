import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { keyHeldSql } from './task-key.sql.js';

/**
 * Releases the key of task $1 whose hold has lapsed (a ttl or throttle
 * period ended, a debounced task started), so that it leaves
 * `tasks_unique_key_idx` and a new task can take the key. The row forgets
 * its key (`unique_key` NULL): that takes it out of the index whatever its
 * state and ttl.
 *
 * Guarded by "does not hold", checked again by PostgreSQL on the row's
 * latest version if another statement changed it meanwhile (a retried
 * debounce task is back in `scheduled`, but with an attempt spent, so it
 * still does not hold). Releasing twice, or a key that another add released
 * first, changes nothing: the caller tries its add again in any case.
 */
export function releaseTaskKeyStatement(t: QueueTables): SqlStatement {
  return prepared(`
    UPDATE ${t.tasks} h SET unique_key = NULL
    WHERE h.id = $1 AND h.unique_key IS NOT NULL AND NOT (${keyHeldSql('h')})`);
}
