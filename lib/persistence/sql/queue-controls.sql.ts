import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';

/** What tells every process to read the controlled queues again (see QueueControlsWatcher). */
export const QUEUES_CHANGED_PAYLOAD = '{"k":"q"}';

/** Paused and limited queues, for the workers' producers. */
export function readControlledStatement(t: QueueTables): SqlStatement {
  return prepared(`SELECT name, paused FROM ${t.queues} WHERE controlled ORDER BY name`);
}

/**
 * Pauses or resumes queue $1 ($2: paused) and tells every process ($3:
 * channel), in one commit. The claims read `paused` from the table, so the
 * notification only makes workers react sooner.
 */
export function setPausedStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH changed AS (
      INSERT INTO ${t.queues} (name, paused) VALUES ($1, $2)
      ON CONFLICT (name) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()
      RETURNING name
    )
    SELECT count(*) AS changed, (SELECT pg_notify($3, '${QUEUES_CHANGED_PAYLOAD}')) IS NULL AS notified FROM changed`);
}

/**
 * Sets the limits of queue $1 given in $2 (a JSON object of columns; a
 * column absent keeps its value, a null removes the limit) and tells every
 * process ($3).
 */
export function configureQueueStatement(t: QueueTables): SqlStatement {
  const columns = ['global_concurrency', 'key_concurrency', 'rate_max', 'rate_period_ms', 'key_rate_max', 'key_rate_period_ms'];
  return prepared(`
    WITH changed AS (
      INSERT INTO ${t.queues} AS q (name, ${columns.join(', ')})
      VALUES ($1, ${columns.map((c) => `($2::jsonb ->> '${c}')::integer`).join(', ')})
      ON CONFLICT (name) DO UPDATE SET ${columns.map((c) => `${c} = CASE WHEN $2::jsonb ? '${c}' THEN EXCLUDED.${c} ELSE q.${c} END`).join(', ')},
        updated_at = now()
      RETURNING name
    )
    SELECT count(*) AS changed, (SELECT pg_notify($3, '${QUEUES_CHANGED_PAYLOAD}')) IS NULL AS notified FROM changed`);
}

/**
 * Stored queues ($1: also these names, if they have no row), with their
 * backlog by state; $2, when not NULL, the one queue to read (so that
 * `configure` does not count every other queue's backlog).
 */
export function listQueuesStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH names AS (
      SELECT name FROM (SELECT name FROM ${t.queues} UNION SELECT unnest($1::text[])) n WHERE $2::text IS NULL OR name = $2::text
    ), counts AS (
      SELECT queue, count(*) FILTER (WHERE state = 'pending') AS pending, count(*) FILTER (WHERE state = 'scheduled') AS scheduled,
        count(*) FILTER (WHERE state = 'running') AS running
      FROM ${t.tasks} WHERE state IN ('pending', 'scheduled', 'running') AND ($2::text IS NULL OR queue = $2::text) GROUP BY queue
    )
    SELECT n.name, coalesce(q.paused, false) AS paused, q.global_concurrency, q.key_concurrency, q.rate_max, q.rate_period_ms,
      q.key_rate_max, q.key_rate_period_ms, coalesce(c.pending, 0)::int AS pending, coalesce(c.scheduled, 0)::int AS scheduled,
      coalesce(c.running, 0)::int AS running
    FROM names n LEFT JOIN ${t.queues} q ON q.name = n.name LEFT JOIN counts c ON c.queue = n.name
    ORDER BY n.name`);
}

/** The queue has a row ($1). */
export function queueExistsStatement(t: QueueTables): SqlStatement {
  return prepared(`SELECT EXISTS (SELECT 1 FROM ${t.queues} WHERE name = $1) AS found`);
}
