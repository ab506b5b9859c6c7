import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { afterTask, initialState, insertTaskValues, runAtSql, type NewTaskRow } from './insert-tasks.sql.js';
import { keyedInsertSql, keyHolderSql } from './insert-keyed-task.sql.js';
import { notStartedSql } from './task-key.sql.js';

/**
 * Adds a debounced task ($1–$9 as insert-tasks.sql.ts, $6 being the debounce
 * delay; `afterTask(1)` the key; $10–$14 metadata, lineage, concurrency key
 * and key limit, written by an insert only), or, when a task of that name and key has not started
 * yet, replaces its arguments and moves its run time to now + $6 ms instead.
 * Returns rows as insert-keyed-task.sql.ts does, the moved task counting as
 * deduplicated.
 *
 * The update is guarded by "not started" (`scheduled`, `pending` or
 * `blocked`, with no attempt spent) on the row's latest version: a claim
 * that took the row first makes PostgreSQL re-check the guard on the row
 * it left (`running`), which then fails, so a started task is never
 * modified. The holder is then returned with `holds` false: the caller
 * releases its key and sends this statement again, which adds a new task.
 * A claim that comes second skips the row while the update holds it
 * (`SKIP LOCKED`), and finds it `scheduled` after.
 *
 * Any other option of the later call (priority, queue, attempts, its
 * concurrency key) is ignored: only the arguments and the run time move. A `blocked` task stays
 * `blocked`; any other becomes `scheduled` or `pending` by its new run time.
 * Workers learn of the new run time by the caller's wake-up; a worker whose
 * timer was armed for the old time finds nothing due then and asks the
 * database for the next one (see NextRunTimer).
 */
export function debounceTaskStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH holder AS (
      ${keyHolderSql(t, `'debounce'`, `${afterTask(1)}::text`)}
    ), pushed AS (
      UPDATE ${t.tasks} d
      SET args = $3::jsonb, run_at = r.run_at,
          state = CASE WHEN d.state = 'blocked' THEN d.state ELSE ${initialState('r.run_at')} END
      FROM (SELECT ${runAtSql('$5::timestamptz', '$6::integer')} AS run_at) r
      WHERE d.id = (SELECT id FROM holder) AND ${notStartedSql('d')}
      RETURNING d.id, d.run_at, d.queue
    ), inserted AS (
      ${keyedInsertSql(t, `'debounce'`, `${afterTask(1)}::text`, 'NULL::integer')}
    )
    SELECT id, run_at, queue, false AS deduplicated, true AS holds FROM inserted
    UNION ALL
    SELECT id, run_at, queue, true, true FROM pushed
    UNION ALL
    SELECT id, run_at, queue, true, false FROM holder WHERE NOT EXISTS (SELECT 1 FROM pushed)`);
}

export function debounceTaskValues(task: NewTaskRow & { key: { key: string } }): unknown[] {
  return [...insertTaskValues(task), task.key.key];
}
