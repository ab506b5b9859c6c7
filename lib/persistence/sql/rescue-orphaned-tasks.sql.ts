import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { wakeAllIfTooLong } from './finished-notification.sql.js';
import { notifyFinishedSql } from './finished-notification.sql.js';

/**
 * Rescues running tasks whose worker has no heartbeat younger than the lease
 * ($1 ms): the worker crashed or lost its connection. The attempt stays
 * spent and a `WorkerLostError` joins the history; the task goes back to
 * `pending` at once, or ends `failed` when no attempts remain.
 *
 * Safe to run from every process at the same time: `SKIP LOCKED` splits the
 * work and the `state = 'running'` condition makes a second pass a no-op.
 * Liveness is judged by the heartbeat only, never by hostname, so two
 * processes on one host are two workers.
 */
export function rescueOrphanedTasksStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH rescued AS (
      UPDATE ${t.tasks} t
      SET state = CASE WHEN t.attempts >= t.max_attempts THEN 'failed' ELSE 'pending' END,
          finished_at = CASE WHEN t.attempts >= t.max_attempts THEN now() END,
          run_at = now(),
          errors = t.errors || jsonb_build_array(jsonb_build_object(
            'attempt', t.attempts, 'name', 'WorkerLostError',
            'message', 'The worker running this attempt (' || coalesce(t.worker_id::text, 'unknown') || ') stopped heartbeating and the task was rescued.',
            'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
      -- An array of ids, not a joined CTE: see claim-tasks.sql.ts.
      WHERE t.id = ANY (ARRAY(
        SELECT o.id FROM ${t.tasks} o
        WHERE o.state = 'running'
          AND NOT EXISTS (
            SELECT 1 FROM ${t.workers} w
            WHERE w.id = o.worker_id AND w.heartbeat_at > now() - $1::integer * interval '1 millisecond')
        FOR UPDATE OF o SKIP LOCKED
      )) AND t.state = 'running'
      RETURNING t.id, t.state, t.queue
    ), finished AS (
      SELECT id FROM rescued WHERE state = 'failed'
    ), woken AS (
      SELECT pg_notify($2, ${wakeAllIfTooLong(`json_build_object('k', 'w', 'q', json_agg(DISTINCT queue))::text`)})
      FROM rescued WHERE state = 'pending' HAVING count(*) > 0
    )
    SELECT (SELECT count(*) FROM rescued) AS rescued, (SELECT count(*) FROM woken) AS woken, notified
    FROM (${notifyFinishedSql('$2')}) n`);
}
