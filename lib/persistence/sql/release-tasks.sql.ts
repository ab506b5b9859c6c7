import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { notifyFinishedSql, wakeAllIfTooLong } from './finished-notification.sql.js';
import { settleChildrenSql } from './settle-children.sql.js';

/**
 * Hands tasks this worker holds ($1) back to `pending` at shutdown without
 * spending their attempt (the claim had counted it), and wakes the other
 * workers so they take them at once. Guarded like completion, the attempt
 * number included ($4: `{"<id>": attempt}`), so a stale copy never releases
 * a newer attempt of the same task. A task whose cancel was requested ends
 * `cancelled` instead (it must not run again), telling waiters and children.
 */
export function releaseTasksStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH finished AS (
      UPDATE ${t.tasks}
      SET state = CASE WHEN cancel_requested_at IS NULL THEN 'pending' ELSE 'cancelled' END,
          finished_at = CASE WHEN cancel_requested_at IS NULL THEN NULL ELSE now() END,
          attempts = attempts - 1, worker_id = NULL, started_at = NULL
      WHERE id = ANY($1::bigint[]) AND state = 'running' AND worker_id = $2
        AND attempts = ($4::jsonb ->> id::text)::integer
      RETURNING id, queue, state, has_children
    ), ${settleChildrenSql(t, '$3')}, woken AS (
      SELECT pg_notify($3, ${wakeAllIfTooLong(`json_build_object('k', 'w', 'q', json_agg(DISTINCT queue))::text`)})
      FROM finished WHERE state = 'pending' HAVING count(*) > 0
    )
    SELECT (SELECT count(*) FROM finished) AS released, (SELECT count(*) FROM woken) AS woken,
      (SELECT count(*) FROM children) AS children, notified
    FROM (${notifyFinishedSql('$3', `state = 'cancelled'`)}) n`);
}
