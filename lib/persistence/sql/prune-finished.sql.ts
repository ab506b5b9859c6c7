import { quoteIdentifier } from '../quote-identifier.js';
import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';

/** Tasks read (by primary key) per statement, so each batch deletes at most this many and holds its locks briefly. */
export const PRUNE_BATCH = 1_000;

/** The states retention and purge may delete: only finished ones. */
export const PRUNABLE_STATES = ['completed', 'failed', 'cancelled'] as const;

/** A finished state. */
export type PrunableState = (typeof PRUNABLE_STATES)[number];

/**
 * One batch of retention (or `purge`): deletes finished tasks whose
 * `finished_at` is older than their state's age ($2 completed, $3 failed,
 * $4 cancelled: milliseconds, NULL keeps that state; $5 the least of
 * them), among the
 * {@link PRUNE_BATCH} tasks that follow id $1, with their `task_logs` and
 * `task_dependencies` rows, in one short statement.
 *
 * Why it walks the primary key instead of searching by `finished_at`: no
 * index covers finished tasks (the claim's indexes are partial on
 * `pending`), and adding one would cost every completion an index insert
 * (W3 completes ~25,000 tasks/s). The primary key is free: ids grow with
 * creation, and `finished_at >= created_at`, so a task old enough to prune
 * lies before the first id created after the cutoff. The walk goes from
 * the lowest id up and stops (`past_cutoff`) at a task created after the
 * youngest cutoff: when nothing is old enough, a pass reads one batch of
 * the oldest rows and ends, whatever the table's size. (Ids follow
 * `created_at` only up to the length of a transaction that inserts: such a
 * task is pruned a little later, never early, since the cutoff is checked
 * on `finished_at` itself.) What the walk rereads on every pass is the old
 * rows it may not delete yet: unfinished tasks, tasks finished recently, or
 * parents kept for a child; the caller bounds each pass in time and
 * resumes after the last id read.
 *
 * Measured on PostgreSQL 15 with EXPLAIN (ANALYZE, BUFFERS), in a scratch
 * database of 1,000,000 finished tasks (about 410 bytes each, 411 MB of
 * heap, created over 10 days), 4,000 `task_logs` rows and 10,000 edges,
 * analyzed:
 * - nothing old enough (ages of 11 days): one batch ends the pass, 1.0–1.7 ms,
 *   58 buffers (the first 1,000 rows by id), in custom and generic plans
 *   alike (an index scan of the primary key either way); the same search
 *   by `finished_at` without an index (a parallel seq scan) took 205 ms and
 *   52,600 buffers, on every pass;
 * - everything old (age 1 hour): 1,000 tasks deleted per batch in 7 ms on
 *   an idle machine, 10–30 ms on a busy one, about 18,000 buffers, all hits
 *   (the heap, the primary key, and the probes of `task_logs` and of both
 *   indexes of `task_dependencies`), so 100,000 tasks take 100 short
 *   statements and one to three seconds.
 * A BRIN or partial index on `finished_at` would make the search cheap
 * too, but at a cost on every completion that the walk does not need.
 *
 * Locks: each candidate is locked `FOR UPDATE SKIP LOCKED` before it is
 * deleted, so the statement never waits for a row another transaction
 * holds (a cancel, an enqueue naming it as a parent) and nobody waits for
 * it longer than one batch. The claim never reads finished rows, so it
 * never meets these locks.
 *
 * A finished parent on which an unfinished child depends (an edge whose
 * child is not finished) is kept until that child finishes. A child added
 * to a finished parent in the instant between this statement's snapshot
 * and its lock on the parent does not keep it (that child does not wait
 * for a finished parent; it only loses the parent from `parents()`).
 *
 * Returns the tasks deleted per state, the log lines deleted, the last id
 * read (the next batch's $1), how many rows were read, and whether the walk
 * reached tasks too young to prune.
 */
export function pruneFinishedStatement(t: QueueTables): SqlStatement {
  const logs = `${quoteIdentifier(t.schema)}.task_logs`;
  const ms = (n: number) => `$${n}::bigint * interval '1 millisecond'`;
  const old = (a: string) =>
    `((${a}.state = 'completed' AND ${a}.finished_at < now() - ${ms(2)})
      OR (${a}.state = 'failed' AND ${a}.finished_at < now() - ${ms(3)})
      OR (${a}.state = 'cancelled' AND ${a}.finished_at < now() - ${ms(4)}))`;
  return prepared(`
    WITH scanned AS MATERIALIZED (
      SELECT id, state, finished_at, created_at FROM ${t.tasks}
      WHERE id > $1::bigint ORDER BY id LIMIT ${PRUNE_BATCH}
    ), locked AS (
      SELECT t.id FROM ${t.tasks} t
      WHERE t.id = ANY (ARRAY(SELECT s.id FROM scanned s WHERE ${old('s')}))
        AND ${old('t')}
        AND NOT EXISTS (
          SELECT 1 FROM ${t.dependencies} d JOIN ${t.tasks} c ON c.id = d.child_id
          WHERE d.parent_id = t.id AND c.state NOT IN ('completed', 'failed', 'cancelled'))
      FOR UPDATE OF t SKIP LOCKED
    ), deleted AS (
      DELETE FROM ${t.tasks} t WHERE t.id = ANY (ARRAY(SELECT id FROM locked))
      RETURNING t.id, t.state
    ), lines AS (
      DELETE FROM ${logs} l WHERE l.task_id = ANY (ARRAY(SELECT id FROM deleted))
      RETURNING 1
    ), edges AS (
      DELETE FROM ${t.dependencies} d
      WHERE d.parent_id = ANY (ARRAY(SELECT id FROM deleted)) OR d.child_id = ANY (ARRAY(SELECT id FROM deleted))
      RETURNING 1
    )
    SELECT
      (SELECT count(*) FROM deleted WHERE state = 'completed') AS completed,
      (SELECT count(*) FROM deleted WHERE state = 'failed') AS failed,
      (SELECT count(*) FROM deleted WHERE state = 'cancelled') AS cancelled,
      (SELECT count(*) FROM lines) AS log_lines,
      (SELECT count(*) FROM edges) AS edges,
      (SELECT max(id)::text FROM scanned) AS last_id,
      (SELECT count(*) FROM scanned) AS scanned,
      coalesce((SELECT bool_or(created_at >= now() - ${ms(5)}) FROM scanned), false) AS past_cutoff`);
}
