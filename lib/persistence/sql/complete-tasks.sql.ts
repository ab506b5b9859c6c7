import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { notifyFinishedSql } from './finished-notification.sql.js';
import { settleChildrenSql } from './settle-children.sql.js';
import { markStartedUpdate } from './mark-started.sql.js';
import { completedLinesSql } from './completed-lines.sql.js';

/**
 * Records a batch of attempts in one statement: completions (ids $1,
 * outcomes $2) and start markers of handlers still running (ids $5, markers
 * $6), all of worker $3, notifying result waiters on $4 in the same
 * transaction.
 *
 * Guarded by `state = 'running' AND worker_id = <worker> AND attempts =
 * <attempt>`: if this worker lost its lease and the task was rescued (and
 * perhaps already run again elsewhere), the stale write changes nothing.
 *
 * No join with `unnest(ids, attempts, results)`: statistics taken while the
 * queue is idle say almost no row is running, so the planner drove such a
 * join from the running-rows index and re-ran the unnest for every row,
 * O(n²) (96 ms for 600 completions). Rows are found by `id = ANY($ids)`, and
 * each finds its attempt and result in a jsonb object keyed by id, whose keys
 * jsonb keeps sorted: a binary search per row. Measured on 500 completions:
 * 5.8 ms, against 7–9 ms for `array_position` into parallel arrays.
 */
export function recordAttemptsStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH finished AS (
      ${completeUpdate(t, '$1', '$2', '$3')}
    ), ${completedLinesSql(t, '$2')}, marked AS (
      ${markStartedUpdate(t.tasks, '$5', '$6', '$3')}
    ), ${settleChildrenSql(t, '$4')}
    SELECT (SELECT count(*) FROM marked) AS marked, (SELECT count(*) FROM children) AS children, notified
    FROM (${notifyFinishedSql('$4')}) n`);
}

/**
 * The guarded completing UPDATE, given the placeholders of its parameters:
 * the ids (bigint[]), the outcomes (jsonb object, see {@link completionOutcomes})
 * and the worker. A start never recorded is recorded from the outcome.
 *
 * A task whose cancel was requested while it ran ends `cancelled`, its
 * result discarded: the cancel was recorded first (the row lock orders the
 * two), so it wins; a cancel arriving after this commit finds the task
 * finished and says it came too late.
 */
export function completeUpdate(t: QueueTables, ids: string, outcomes: string, worker: string): string {
  return `
      UPDATE ${t.tasks} t
      SET state = CASE WHEN t.cancel_requested_at IS NULL THEN 'completed' ELSE 'cancelled' END,
          result = CASE WHEN t.cancel_requested_at IS NULL THEN ${outcomes}::jsonb -> t.id::text -> 1 END,
          finished_at = now(),
          started_at = coalesce(t.started_at, now() - (${outcomes}::jsonb -> t.id::text ->> 2)::integer * interval '1 millisecond'),
          progress = coalesce(nullif(${outcomes}::jsonb -> t.id::text -> 3, 'null'::jsonb), t.progress),
          context = coalesce(nullif(${outcomes}::jsonb -> t.id::text -> 4, 'null'::jsonb), t.context)
      WHERE t.id = ANY(${ids}::bigint[]) AND t.state = 'running' AND t.worker_id = ${worker}
        AND t.attempts = (${outcomes}::jsonb -> t.id::text ->> 0)::integer
      RETURNING t.id, t.state, t.has_children`;
}

/** What an attempt reported and not written yet, riding on its completion (JSON texts). */
export interface CompletionReports {
  progress?: string | null;
  context?: string | null;
  /** A JSON array of `[level, message, data, atMs]` arrays, or null. */
  lines?: string | null;
  /** The cap on stored lines per task, when `lines` is given. */
  maxLines?: number;
}

/**
 * `{"<id>": [attempt, result, msSinceStart, progress?, context?, lines?, cap?], ..., "L": 1?}`
 * as JSON text, from values already serialised to JSON text. Progress,
 * context and lines (the attempt's last, not written yet) are there only
 * when it reported some: most tasks' entries stay three elements. `"L"`
 * says some entry has lines (see completed-lines.sql.ts).
 */
export function completionOutcomes(
  attempts: readonly ({ id: string; attempt: number; result: string | null; startedMsAgo: number } & CompletionReports)[],
): string {
  let lines = false;
  const entries = attempts.map((a) => {
    if (a.lines) lines = true;
    return `"${a.id}":[${a.attempt},${a.result ?? 'null'},${Math.max(0, Math.round(a.startedMsAgo))}${reportsOf(a)}]`;
  });
  return `{${entries.join(',')}${lines ? ',"L":1' : ''}}`;
}

function reportsOf(a: CompletionReports): string {
  if (!a.progress && !a.context && !a.lines) return '';
  const base = `,${a.progress ?? 'null'},${a.context ?? 'null'}`;
  return a.lines ? `${base},${a.lines},${a.maxLines ?? 0}` : base;
}
