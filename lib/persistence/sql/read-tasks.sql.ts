import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';

const COLUMNS = `id, name, queue, state, args, result, errors, priority, run_at, attempts, max_attempts,
  backoff, timeout_ms, worker_id, rescues, created_at, started_at, finished_at`;

/** One task by id, every column, with its parents (in `dependsOn` order) and children. */
export function getTaskStatement(t: QueueTables): SqlStatement {
  return prepared(`
    SELECT ${COLUMNS}, cancel_requested_at, progress, context, metadata, parent_task_id, root_task_id, concurrency_key,
      ARRAY(SELECT d.parent_id::text FROM ${t.dependencies} d WHERE d.child_id = $1 ORDER BY d.position) AS parent_ids,
      ARRAY(SELECT d.child_id::text FROM ${t.dependencies} d WHERE d.parent_id = $1 ORDER BY d.child_id) AS child_ids
    FROM ${t.tasks} WHERE id = $1`);
}

/** The parents of task $1, in its `dependsOn` order, with how each ended (or stands). */
export function getParentsStatement(t: QueueTables): SqlStatement {
  return prepared(`
    SELECT p.id::text AS id, p.name, p.state, p.result
    FROM ${t.dependencies} d JOIN ${t.tasks} p ON p.id = d.parent_id
    WHERE d.child_id = $1 ORDER BY d.position`);
}

/** State (and outcome) of the tasks result-waiters are waiting for, in one round trip. */
export function getTaskOutcomesStatement(t: QueueTables): SqlStatement {
  return prepared(`SELECT id, name, state, result, errors FROM ${t.tasks} WHERE id = ANY($1::bigint[])`);
}

/**
 * Earliest run time of a scheduled task this worker could run (names $1; in
 * one queue, $2, through `tasks_scheduled_queue_idx`, or in every queue,
 * through `tasks_scheduled_idx`), with the database's
 * clock: an idle worker arms its wake-up timer with the difference, so a
 * delayed task or retry starts on time even when its notification was
 * missed or the app server's clock drifts. A run time already past means a
 * task became due after the claim looked (timers can fire a little early)
 * or is being promoted by another statement: the worker looks again shortly.
 */
export function nextRunAtStatement(t: QueueTables, scope: 'all' | 'queue'): SqlStatement {
  return prepared(`
    SELECT run_at, now() AS db_now FROM ${t.tasks}
    WHERE state = 'scheduled' AND name = ANY($1::text[])${scope === 'queue' ? ' AND queue = $2::text' : ''}
    ORDER BY ${scope === 'queue' ? 'queue, ' : ''}run_at LIMIT 1`);
}

/** A task's backoff, for the failure path (the claim leaves it behind). */
export function getBackoffStatement(t: QueueTables): SqlStatement {
  return prepared(`SELECT backoff FROM ${t.tasks} WHERE id = $1`);
}
