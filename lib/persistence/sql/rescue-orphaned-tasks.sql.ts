import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { settleChildrenSql } from './settle-children.sql.js';
import { notifyFinishedSql, wakeAllIfTooLong } from './finished-notification.sql.js';
import { isoTimestampSql } from './iso-timestamp.sql.js';
import { leaseEndSql } from './worker-registry.sql.js';

/**
 * Takes back the running tasks of dead workers. Run by the maintenance leader
 * only (one process at a time), though it is safe to run concurrently.
 *
 * Who is dead is decided by each worker's own lease (`leaseEndSql`), on the
 * database's clock, never by the settings of the process that rescues. Dead
 * workers' rows are deleted first, in the same statement: a renewal racing
 * with this waits on the row lock and then finds no row, so a worker whose
 * tasks are taken learns it and fences itself. Tasks whose worker row is gone
 * (a worker that deregistered while a handler ignored its signal) are taken
 * too.
 *
 * Each rescued task:
 * - keeps its run time and priority: it goes back to its place in line;
 * - gets its attempt back if its start was never recorded (it was claimed
 *   ahead, or its start marker had not been written yet), otherwise the
 *   attempt stays spent and a `WorkerLostError` joins its history;
 * - ends `failed` when that was its last attempt, or when it has now been
 *   rescued $2 times (`TaskPoisonedError`): a task that kills its process
 *   before its start is recorded must not crash-loop the fleet for ever;
 * - ends `cancelled` when its cancel was requested (the dead worker can no
 *   longer end it); every final state releases or dooms its children.
 *
 * Also returns the shortest lease among registered workers: the leader paces
 * its passes to it, so a worker with a short lease is rescued promptly even
 * when the leader's own settings are slow.
 */
/** Task ids a rescue reports, at most (the counts are whole). */
export const RESCUE_LOG_SAMPLE = 20;

export function rescueOrphanedTasksStatement(t: QueueTables): SqlStatement {
  const at = isoTimestampSql('now()');
  return prepared(`
    WITH dead AS (
      DELETE FROM ${t.workers} w WHERE ${leaseEndSql('w')} <= now() RETURNING w.id
    ), rescued AS (
      UPDATE ${t.tasks} t
      SET state = CASE
            WHEN t.cancel_requested_at IS NOT NULL THEN 'cancelled'
            WHEN t.rescues + 1 >= $2 THEN 'failed'
            WHEN t.started_at IS NOT NULL AND t.attempts >= t.max_attempts THEN 'failed'
            ELSE 'pending' END,
          finished_at = CASE
            WHEN t.cancel_requested_at IS NOT NULL OR t.rescues + 1 >= $2 OR (t.started_at IS NOT NULL AND t.attempts >= t.max_attempts) THEN now() END,
          attempts = CASE WHEN t.started_at IS NULL THEN t.attempts - 1 ELSE t.attempts END,
          rescues = t.rescues + 1,
          errors = t.errors
            || CASE WHEN t.started_at IS NOT NULL THEN jsonb_build_array(jsonb_build_object(
                 'attempt', t.attempts, 'name', 'WorkerLostError',
                 'message', 'The worker running this attempt (' || coalesce(t.worker_id::text, 'unknown') || ') lost its lease and the task was rescued.',
                 'at', ${at})) ELSE '[]'::jsonb END
            || CASE WHEN t.rescues + 1 >= $2 THEN jsonb_build_array(jsonb_build_object(
                 'attempt', t.attempts, 'name', 'TaskPoisonedError',
                 'message', 'Rescued ' || (t.rescues + 1) || ' times from workers that died while holding it; failed so that it cannot crash-loop the workers.',
                 'at', ${at})) ELSE '[]'::jsonb END
      -- An array of ids, not a joined CTE: see claim-tasks.sql.ts.
      -- The dead workers' ids are fixed once, as an array: a row re-claimed by a
      -- worker that registered after this statement began is rechecked on its
      -- new version (EvalPlanQual) against this list, not against a snapshot
      -- of the registry that predates that worker (which would find it dead).
      WHERE t.id = ANY (ARRAY(
        SELECT o.id FROM ${t.tasks} o
        WHERE o.state = 'running'
          AND o.worker_id = ANY (ARRAY(
            SELECT id FROM dead
            UNION ALL
            SELECT r.worker_id FROM ${t.tasks} r
            WHERE r.state = 'running' AND NOT EXISTS (SELECT 1 FROM ${t.workers} w WHERE w.id = r.worker_id)))
        FOR UPDATE OF o SKIP LOCKED
      )) AND t.state = 'running'
      RETURNING t.id, t.state, t.queue, t.has_children, t.name, t.attempts, t.max_attempts, t.errors -> -1 AS last_error
    ), finished AS (
      SELECT id, state, has_children FROM rescued WHERE state IN ('failed', 'cancelled')
    ), ${settleChildrenSql(t, '$1')}, woken AS (
      SELECT pg_notify($1, ${wakeAllIfTooLong(`json_build_object('k', 'w', 'q', json_agg(DISTINCT queue))::text`)})
      FROM rescued WHERE state = 'pending' HAVING count(*) > 0
    )
    SELECT (SELECT count(*) FROM rescued) AS rescued,
      (SELECT count(*) FROM finished WHERE state = 'failed') AS failed,
      (SELECT count(*) FROM children) AS children,
      (SELECT count(*) FROM dead) AS dead_workers,
      (SELECT min(lease_ms) FROM ${t.workers}) AS shortest_lease_ms,
      (SELECT count(*) FROM woken) AS woken, notified,
      -- For the log line: which tasks, in a bounded sample.
      ARRAY(SELECT id::text FROM rescued ORDER BY id LIMIT ${RESCUE_LOG_SAMPLE}) AS rescued_ids,
      ARRAY(SELECT id::text FROM finished WHERE state = 'failed' ORDER BY id LIMIT ${RESCUE_LOG_SAMPLE}) AS failed_ids,
      -- Every rescued task, for its events (a pass rescues what dead workers held: bounded by their concurrency and prefetch).
      ARRAY(SELECT json_build_object('id', id::text, 'name', name, 'queue', queue, 'state', state, 'attempt', attempts,
        'maxAttempts', max_attempts, 'error', last_error) FROM rescued ORDER BY id) AS tasks
    FROM (${notifyFinishedSql('$1')}) n`);
}
