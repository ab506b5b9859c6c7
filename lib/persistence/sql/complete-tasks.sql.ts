import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { notifyFinishedSql } from './finished-notification.sql.js';

/**
 * Completes a batch of attempts in one statement (ids $1, attempts $2,
 * JSON results $3) and notifies waiters in the same transaction.
 *
 * Guarded by `state = 'running' AND worker_id = $4 AND attempts = <attempt>`:
 * if this worker was declared dead and the task rescued (and perhaps already
 * run again elsewhere), the stale completion changes nothing.
 */
export function completeTasksStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH finished AS (
      UPDATE ${t.tasks} t
      SET state = 'completed', result = v.result, finished_at = now()
      FROM unnest($1::bigint[], $2::integer[], $3::jsonb[]) AS v(id, attempt, result)
      WHERE t.id = v.id AND t.state = 'running' AND t.worker_id = $4 AND t.attempts = v.attempt
      RETURNING t.id
    )
    ${notifyFinishedSql('$5')}`);
}
