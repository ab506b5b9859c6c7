import type { QueueTables } from '../queue-tables.js';

/**
 * The log lines of attempts a recording statement completes, stored in the
 * same statement and transaction as their completion (a CTE after
 * `finished`): a short task's lines cost no statement of their own, and
 * once `result()` resolves, `logs()` has them.
 *
 * Each completion's outcome entry (see completionOutcomes) may carry, at
 * index 5, its lines as `[level, message, data, atMs]` arrays and, at index
 * 6, the cap on stored lines per task. The outcomes object has a key `"L"`
 * when any entry has lines: without it, the whole CTE is one test of that
 * key, and completions of tasks that logged nothing pay nothing per row.
 *
 * Only tasks this statement really completed (`finished`) get lines. The
 * cap is checked by counting the task's stored lines (as write-reports.sql.ts
 * does); the first line past it becomes the note that the log was capped.
 */
/**
 * The values of one stored line (level, message, data, logged_at) from a
 * line `[level, message, data, atMs]` (jsonb) at `position` among its task's
 * lines: past `cap`, the note that the log was capped (callers store lines
 * up to position `cap + 1` only).
 */
export function cappedLineValues(line: string, position: string, cap: string): string {
  return `CASE WHEN ${position} > ${cap} THEN 'warn' ELSE ${line} ->> 0 END,
        CASE WHEN ${position} > ${cap} THEN 'log capped at ' || ${cap} || ' lines; later lines are not stored' ELSE ${line} ->> 1 END,
        CASE WHEN ${position} > ${cap} THEN NULL ELSE nullif(${line} -> 2, 'null'::jsonb) END,
        to_timestamp((${line} ->> 3)::float8 / 1000)`;
}

export function completedLinesSql(t: QueueTables, outcomes: string): string {
  return `logged AS (
      INSERT INTO ${t.taskLogs} (task_id, attempt, level, message, data, logged_at)
      SELECT w.id, (w.entry ->> 0)::integer, ${cappedLineValues('x.line', 'c.before + x.ord', '(w.entry ->> 6)::integer')}
      FROM (
        SELECT f.id, ${outcomes}::jsonb -> f.id::text AS entry FROM finished f WHERE ${outcomes}::jsonb ? 'L'
      ) w
      CROSS JOIN LATERAL (SELECT count(*) AS before FROM ${t.taskLogs} s WHERE s.task_id = w.id) c
      CROSS JOIN LATERAL jsonb_array_elements(w.entry -> 5) WITH ORDINALITY AS x(line, ord)
      WHERE w.entry -> 5 IS NOT NULL AND c.before + x.ord <= (w.entry ->> 6)::integer + 1
      ORDER BY w.id, x.ord
    )`;
}
