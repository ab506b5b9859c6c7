import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { cappedLineValues } from './completed-lines.sql.js';

/**
 * What running tasks reported since the last write, for many tasks in one
 * statement and one commit (see TaskReportWriter): progress and context
 * ($1 task ids, $2 attempts, $3 progress, $4 context: NULL leaves a column
 * as it is), and log lines ($5: a JSON array of `[taskId, attempt, lines]`,
 * each line `[level, message, data, atMs]`), with $6 the cap on stored
 * lines per task.
 *
 * - Progress and context are written only while the row is running the
 *   attempt that reported them (`attempts` is taken at claim): a late write
 *   of an attempt that was rescued never overwrites its successor's, nor a
 *   completion's newer values. Neither
 *   column is indexed, so the update is HOT. A finishing attempt's last
 *   values ride on its completion instead (complete-tasks.sql.ts).
 * - Rows are locked in id order (`locked`) so two writers, or a writer and a
 *   multi-row cancel, cannot deadlock on each other's rows.
 * - Lines never touch the task's row: the cap is checked by counting the
 *   task's stored lines (an index-only range of at most $6 + 1 entries of
 *   `task_logs_task_idx`). Lines past it are dropped, and the first of them
 *   is replaced by a note, so the last stored line says the log was capped.
 *   Lines are kept whatever the attempt: they are history. Lines of a task
 *   that no longer exists (pruned) are not stored.
 */
export function writeReportsStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH reports AS (
      SELECT * FROM unnest($1::bigint[], $2::integer[], $3::jsonb[], $4::jsonb[]) AS r(id, attempt, progress, context)
    ), locked AS (
      SELECT t.id FROM ${t.tasks} t WHERE t.id IN (SELECT id FROM reports) ORDER BY t.id FOR NO KEY UPDATE
    ), updated AS (
      UPDATE ${t.tasks} t SET progress = coalesce(r.progress, t.progress), context = coalesce(r.context, t.context)
      FROM reports r JOIN locked ON locked.id = r.id
      WHERE t.id = r.id AND t.attempts = r.attempt AND t.state = 'running'
      RETURNING 1
    ), lines AS (
      SELECT (e ->> 0)::bigint AS task_id, (e ->> 1)::integer AS attempt, x.line, x.ord
      FROM jsonb_array_elements($5::jsonb) AS e CROSS JOIN LATERAL jsonb_array_elements(e -> 2) WITH ORDINALITY AS x(line, ord)
    ), counted AS (
      SELECT c.task_id, (SELECT count(*) FROM ${t.taskLogs} s WHERE s.task_id = c.task_id) AS before
      FROM (SELECT DISTINCT task_id FROM lines) c
      WHERE EXISTS (SELECT 1 FROM ${t.tasks} x WHERE x.id = c.task_id)
    ), stored AS (
      INSERT INTO ${t.taskLogs} (task_id, attempt, level, message, data, logged_at)
      SELECT n.task_id, n.attempt, ${cappedLineValues('n.line', 'n.position', '$6::integer')}
      FROM (
        SELECT l.*, c.before + row_number() OVER (PARTITION BY l.task_id ORDER BY l.ord) AS position
        FROM lines l JOIN counted c ON c.task_id = l.task_id
      ) n
      WHERE n.position <= $6 + 1
      ORDER BY n.task_id, n.position
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM updated) AS updated, (SELECT count(*) FROM stored) AS stored`);
}
