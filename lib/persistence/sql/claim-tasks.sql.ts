import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { completeUpdate } from './complete-tasks.sql.js';
import { notifyFinishedSql } from './finished-notification.sql.js';

/**
 * Only what running a task needs. `backoff` stays behind (read by the failure
 * path): jsonb output is a measurable part of a 500-row claim.
 */
const RETURNED = 't.id, t.name, t.queue, t.args, t.priority, t.run_at, t.attempts, t.max_attempts, t.timeout_ms';

/** The claim's UPDATE, shared by the plain and the completing variants ($1 names, $2 worker, $3 limit). */
function claimUpdate(t: QueueTables, queueFilter: string): string {
  return `
    UPDATE ${t.tasks} t
    SET state = 'running', worker_id = $2, attempts = t.attempts + 1, started_at = now()
    WHERE t.id = ANY (ARRAY(
      SELECT id FROM ${t.tasks}
      WHERE state = 'pending' AND run_at <= now() AND name = ANY($1::text[])${queueFilter}
      ORDER BY priority DESC, run_at, id
      LIMIT $3
      FOR UPDATE SKIP LOCKED
    ))
    RETURNING ${RETURNED}`;
}

/**
 * Claims up to $3 due tasks for worker $2 in one statement.
 *
 * The inner SELECT walks `tasks_claim_idx` (pending rows only, in priority
 * then run-time order) and `SKIP LOCKED` lets concurrent workers take
 * disjoint rows without waiting on each other; the UPDATE marks them running
 * under this worker and spends an attempt. Only names this process can run
 * ($1) are taken, so differently deployed workers never steal each other's
 * tasks.
 *
 * The ids reach the UPDATE as an array (`id = ANY(ARRAY(...))`, an InitPlan
 * run once) rather than as a joined CTE: joined, the planner hashes the whole
 * table with a sequential scan to find 500 rows (13.8 ms with 20,000 rows,
 * and growing with the table); as an array it walks the primary key (5.2 ms,
 * whatever the table size).
 */
export function claimTasksStatement(t: QueueTables): SqlStatement {
  return prepared(claimUpdate(t, ''));
}

/** The same claim restricted to the queues this worker serves ($4). */
export function claimTasksInQueuesStatement(t: QueueTables): SqlStatement {
  return prepared(claimUpdate(t, ' AND queue = ANY($4::text[])'));
}

/**
 * Completes the attempts this worker finished since its last statement
 * ($4 ids, $5 outcomes, notifying waiters on $6) and claims the
 * next batch, in one statement and one commit: while a worker drains a
 * backlog, completion costs no round trip of its own. The two UPDATEs touch
 * disjoint rows (running ones, pending ones). `finished` and the claim are
 * data-modifying and always run; the notification CTE is made to run by
 * being the outer side of the final join, which also yields one row of
 * NULLs when nothing was claimed. $7 is the queue filter (null: all).
 */
export function completeAndClaimStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH finished AS (
      ${completeUpdate(t, '$4', '$5', '$2')}
    ), notified AS (
      ${notifyFinishedSql('$6')}
    ), claimed AS (
      ${claimUpdate(t, ' AND ($7::text[] IS NULL OR queue = ANY($7::text[]))')}
    )
    SELECT claimed.* FROM notified LEFT JOIN claimed ON true`);
}
