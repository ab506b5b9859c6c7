import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';

/**
 * Stored log lines of task $1 after line $2 (0 for the first page), at most
 * $3, oldest first: keyset paging over `task_logs_task_idx (task_id, id)`,
 * stable while the task goes on logging. `exists` tells an unknown task from
 * one that logged nothing (one row of NULLs then).
 */
export function readLogsStatement(t: QueueTables): SqlStatement {
  return prepared(`
    SELECT l.id::text AS id, l.attempt, l.level, l.message, l.data, l.logged_at,
      EXISTS (SELECT 1 FROM ${t.tasks} WHERE id = $1) AS task_exists
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (
      SELECT * FROM ${t.taskLogs} WHERE task_id = $1 AND id > $2 ORDER BY id LIMIT $3
    ) l ON true`);
}
