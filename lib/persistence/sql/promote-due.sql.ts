import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { wakeAllIfTooLong } from './finished-notification.sql.js';

/**
 * The UPDATE that turns due `scheduled` tasks into `pending` ones, earliest
 * first, `limit` at most (SQL: a number or a placeholder), in one queue
 * (`queue`, a placeholder) or in all.
 * It walks `tasks_scheduled_idx` over run times already past only, so the
 * delayed backlog ahead costs nothing. The range is bounded on both sides
 * (`> '-infinity'` changes no result): without statistics PostgreSQL takes a
 * two-sided range as narrow (0.5 % of the rows) and walks the index in
 * order; given a one-sided one it guessed a third of the table and chose a
 * bitmap scan and a sort. With statistics it walks the index either way.
 * The rows are locked by the inner SELECT and fetched by primary key (see
 * claim-tasks.sql.ts). `SKIP LOCKED`: two promoters never
 * wait on each other; the run time is kept, so a promoted task takes its
 * place in the claim order.
 */
export function promoteDueUpdate(t: QueueTables, queue: string | null, limit: string): string {
  return `
      UPDATE ${t.tasks} s SET state = 'pending'
      WHERE s.id = ANY (ARRAY(
        SELECT id FROM ${t.tasks}
        WHERE state = 'scheduled' AND run_at > '-infinity' AND run_at <= now()${queue === null ? '' : ` AND queue = ${queue}`}
        ORDER BY run_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ))
      RETURNING s.id, s.queue`;
}

/**
 * Promotes due scheduled tasks of every queue ($2 at most) and wakes the
 * workers of their queues: run by the maintenance leader, so that tasks of
 * queues no worker is claiming do not stay `scheduled` past their run time.
 */
export function promoteDueStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH promoted AS (
      ${promoteDueUpdate(t, null, '$2')}
    ), woken AS (
      SELECT pg_notify($1, ${wakeAllIfTooLong(`json_build_object('k', 'w', 'q', json_agg(DISTINCT queue))::text`)})
      FROM promoted HAVING count(*) > 0
    )
    SELECT (SELECT count(*) FROM promoted) AS promoted, (SELECT count(*) FROM woken) AS woken`);
}
