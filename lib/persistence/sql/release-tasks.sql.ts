import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { wakeAllIfTooLong } from './finished-notification.sql.js';

/**
 * Hands tasks this worker holds ($1) back to `pending` at shutdown without
 * spending their attempt (the claim had counted it), and wakes the other
 * workers so they take them at once. Guarded like completion, the attempt
 * number included ($4: `{"<id>": attempt}`), so a stale copy never releases
 * a newer attempt of the same task.
 */
export function releaseTasksStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH released AS (
      UPDATE ${t.tasks}
      SET state = 'pending', attempts = attempts - 1, worker_id = NULL, started_at = NULL
      WHERE id = ANY($1::bigint[]) AND state = 'running' AND worker_id = $2
        AND attempts = ($4::jsonb ->> id::text)::integer
      RETURNING id, queue
    )
    SELECT count(*) AS released,
      CASE WHEN count(*) > 0
        THEN pg_notify($3, ${wakeAllIfTooLong(`json_build_object('k', 'w', 'q', json_agg(DISTINCT queue))::text`)})
      END AS notified
    FROM released`);
}
