import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { afterTask, insertTaskValues, oneTaskInsert, type NewTaskRow } from './insert-tasks.sql.js';
import { keyHeldSql, keyIndexPredicate, KEY_CONFLICT_TARGET, type TaskKey } from './task-key.sql.js';

/**
 * The visible row of `tasks_unique_key_idx` for the key of the task ($1 name,
 * `kind`, `key`): at most one, since the index is unique.
 */
export function keyHolderSql(t: QueueTables, kind: string, key: string): string {
  return `SELECT h.id, h.run_at, h.queue, ${keyHeldSql('h')} AS holds FROM ${t.tasks} h
      WHERE h.name = $1 AND h.unique_kind = ${kind} AND h.unique_key = ${key} AND ${keyIndexPredicate('h')}`;
}

/**
 * The insert of a keyed task ($1–$14 as insert-tasks.sql.ts; `kind`, `key`;
 * `holdMs`: ms its key is held whatever its state, or NULL), never beside a
 * holder the snapshot missed: ON CONFLICT DO NOTHING on the key's index.
 * Tried only when the `holder` CTE found no row: a row it found is in the
 * index, held or lapsed, so the insert could only conflict, and skipping it
 * spares each duplicate an identity value and a probe of the index.
 */
export function keyedInsertSql(t: QueueTables, kind: string, key: string, holdMs: string): string {
  return `${oneTaskInsert(t, ', unique_kind, unique_key, unique_until', `, ${kind}, ${key}, now() + ${holdMs} * interval '1 millisecond'`)}
      WHERE NOT EXISTS (SELECT 1 FROM holder)
      ON CONFLICT ${KEY_CONFLICT_TARGET} DO NOTHING
      RETURNING id, run_at, queue`;
}

/**
 * Adds a task with a `unique` or `throttle` key (after the task's
 * parameters, see `afterTask`: kind, key, ms the key is held whatever the
 * task's state or NULL), or finds the task
 * holding that key, in one statement. Returns one of:
 *
 * - the new task (`deduplicated` false);
 * - the holder (`deduplicated` true, `holds` true): nothing was written, not
 *   even to the holder, so a thousand duplicates of a busy key contend for
 *   no row lock;
 * - a row of the index whose hold has lapsed (`holds` false: a ttl or period
 *   ended): the caller releases it (release-task-key.sql.ts) and sends this
 *   statement again;
 * - nothing: a holder committed after this statement's snapshot was taken,
 *   so the insert met it in the index (ON CONFLICT) but the SELECT could not
 *   see it. The caller sends this statement again, whose new snapshot sees
 *   it. (Reading it back in the same statement is impossible under READ
 *   COMMITTED, and ON CONFLICT DO UPDATE, which could return it, would
 *   write a row version of the holder per duplicate and queue every
 *   duplicate on its row lock.)
 *
 * Unkeyed tasks never come here: their insert (and its plan) stays the
 * plain one of insert-tasks.sql.ts.
 */
export function insertKeyedTaskStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH holder AS (
      ${keyHolderSql(t, `${afterTask(1)}::text`, `${afterTask(2)}::text`)}
    ), inserted AS (
      ${keyedInsertSql(t, `${afterTask(1)}::text`, `${afterTask(2)}::text`, `${afterTask(3)}::integer`)}
    )
    SELECT id, run_at, queue, false AS deduplicated, true AS holds FROM inserted
    UNION ALL
    SELECT id, run_at, queue, true, holds FROM holder`);
}

export function insertKeyedTaskValues(task: NewTaskRow & { key: TaskKey }): unknown[] {
  return [...insertTaskValues(task), task.key.kind, task.key.key, task.key.holdMs];
}
