import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { notifyFinishedSql } from './finished-notification.sql.js';
import { settleChildrenSql } from './settle-children.sql.js';

/**
 * Cancels tasks $1 (bigint[]) from any process, in one statement; $2 is the
 * channel. Per id it returns what happened:
 * - `cancelled`: the task was scheduled, pending or blocked and ends
 *   `cancelled` now (it never runs); result waiters are told, its children
 *   released or doomed per their `onParentFailure`;
 * - `requested`: it is running; the request is stored in the row and
 *   announced (`{"k":"c"}`), and the worker running it aborts its signal.
 *   The worker's own completion or failure statement (or rescue, if it
 *   died) reads the request and ends the task `cancelled`. A lost NOTIFY
 *   only delays that until the worker's next heartbeat, which reads it too;
 * - `finished`: it had already ended; nothing changes;
 * - NULL: no such task; then nothing of the batch is cancelled (the caller
 *   names the unknown id), all in this one statement.
 *
 * One UPDATE for both kinds, with the new state computed from the row: a
 * task claimed (or finished) between this statement's snapshot and its
 * lock is re-read (EvalPlanQual) and judged on its newest version, so a
 * cancel racing with a claim becomes a request, and one racing with a
 * completion says it came too late. Two UPDATEs split by state would each
 * skip such a row.
 */
export function cancelTasksStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH missing AS (
      SELECT wanted.id FROM unnest($1::bigint[]) AS wanted(id)
      WHERE NOT EXISTS (SELECT 1 FROM ${t.tasks} x WHERE x.id = wanted.id)
    ), ${cancelCtes(t, 't.id = ANY($1::bigint[]) AND NOT EXISTS (SELECT 1 FROM missing)', '$2')}
    SELECT wanted.id::text AS id,
      CASE WHEN touched.state = 'cancelled' THEN 'cancelled'
           WHEN touched.state = 'running' THEN 'requested'
           WHEN existing.id IS NOT NULL THEN 'finished' END AS outcome,
      existing.name, existing.queue,
      (SELECT count(*) FROM requested) AS requested, (SELECT count(*) FROM children) AS children, n.notified
    FROM unnest($1::bigint[]) WITH ORDINALITY AS wanted(id, ord)
    LEFT JOIN touched ON touched.id = wanted.id
    LEFT JOIN ${t.tasks} existing ON existing.id = wanted.id
    CROSS JOIN (${notifyFinishedSql('$2')}) n
    ORDER BY wanted.ord`);
}

/**
 * The same cancel for every unfinished task matching a filter: name $1 and
 * queue $2 (NULL: any), among states $3; $4 is the channel. Returns how many
 * were cancelled and how many were running (requested), and the first $5
 * (NULL: all) of the cancelled ones, for their events. Finds its rows by a
 * scan of the unfinished ones by state (no index has the name): an operator's
 * statement, not a hot path.
 */
export function cancelMatchingStatement(t: QueueTables): SqlStatement {
  const where = `t.state = ANY($3::text[]) AND ($1::text IS NULL OR t.name = $1::text) AND ($2::text IS NULL OR t.queue = $2::text)`;
  return prepared(`
    WITH ${cancelCtes(t, where, '$4')}
    SELECT (SELECT count(*) FROM touched WHERE state = 'cancelled') AS cancelled,
      (SELECT count(*) FROM touched WHERE state = 'running') AS requested,
      (SELECT count(*) FROM requested) AS notices, (SELECT count(*) FROM children) AS children, n.notified,
      ARRAY(SELECT json_build_object('id', id::text, 'name', name, 'queue', queue) FROM touched WHERE state = 'cancelled' LIMIT $5::integer) AS cancelled_tasks
    FROM (${notifyFinishedSql('$4')}) n`);
}

/** The cancel itself over the rows `where` picks (alias `t`), with its notifications, for both statements. */
function cancelCtes(t: QueueTables, where: string, channel: string): string {
  return `touched AS (
      UPDATE ${t.tasks} t
      SET state = CASE WHEN t.state = 'running' THEN 'running' ELSE 'cancelled' END,
          finished_at = CASE WHEN t.state = 'running' THEN t.finished_at ELSE now() END,
          cancel_requested_at = coalesce(t.cancel_requested_at, now())
      WHERE ${where} AND t.state IN ('scheduled', 'pending', 'blocked', 'running')
      RETURNING t.id, t.state, t.has_children, t.name, t.queue
    ), finished AS (
      SELECT id, state, has_children FROM touched WHERE state = 'cancelled'
    ), ${settleChildrenSql(t, channel)}, requested AS (
      SELECT pg_notify(${channel}, json_build_object('k', 'c', 'ids', json_agg(id::text))::text)
      FROM (SELECT id, (row_number() OVER ()) / 200 AS chunk FROM touched WHERE state = 'running') numbered
      GROUP BY chunk
    )`;
}
