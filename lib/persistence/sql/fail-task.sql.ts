import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { settleChildrenSql } from './settle-children.sql.js';

/**
 * Records a failed attempt: appends the error ($5, JSON) to the history and
 * either reschedules the task in $6 ms (when $7 is true: `scheduled`, or
 * `pending` when due at once) or ends it `failed`.
 * Guarded like completion; a start never recorded is recorded from $8 (ms
 * since the handler started). The notification either wakes workers for the
 * retry (with its run time, so idle workers arm a timer) or tells waiters
 * the task is finished. A task whose cancel was requested while it ran ends
 * `cancelled` (never retried); a final state releases or dooms its children.
 */
export function failTaskStatement(t: QueueTables): SqlStatement {
  const cancelled = 'cancel_requested_at IS NOT NULL';
  const retried = `$7::boolean AND NOT ${cancelled}`;
  return prepared(`
    WITH finished AS (
      UPDATE ${t.tasks}
      SET state = CASE WHEN ${cancelled} THEN 'cancelled' WHEN NOT $7::boolean THEN 'failed' WHEN $6::integer > 0 THEN 'scheduled' ELSE 'pending' END,
          run_at = CASE WHEN ${retried} THEN now() + $6::integer * interval '1 millisecond' ELSE run_at END,
          finished_at = CASE WHEN ${retried} THEN NULL ELSE now() END,
          started_at = coalesce(started_at, now() - $8::integer * interval '1 millisecond'),
          errors = errors || jsonb_build_array($5::jsonb)
      WHERE id = $1 AND state = 'running' AND worker_id = $2 AND attempts = $3
      RETURNING id, state, queue, run_at, has_children
    ), ${settleChildrenSql(t, '$4')}
    SELECT id, state, queue, run_at, pg_notify($4,
      CASE WHEN state IN ('failed', 'cancelled')
        THEN json_build_object('k', 'f', 'ids', json_build_array(id::text))::text
        ELSE json_build_object('k', 'w', 'q', json_build_array(queue), 'r', (extract(epoch FROM run_at) * 1000)::bigint)::text
      END) AS notified, (SELECT count(*) FROM children) AS children
    FROM finished`);
}
