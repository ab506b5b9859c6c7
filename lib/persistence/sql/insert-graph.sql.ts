import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { initialState, runAtSql, TASK_INPUT_COLUMNS, TASK_PARAM_COUNT, taskArrays } from './insert-tasks.sql.js';

/**
 * First statement of a write with dependencies, in its transaction: locks
 * the stored parents $1 (bigint[]) and reads their states, marks the
 * unfinished ones `has_children`, and allocates $2 task ids.
 *
 * The lock is what makes fan-in safe against a parent finishing meanwhile:
 * held until this transaction commits, it makes the parent's finishing
 * statement wait, and that statement then sees `has_children` on the newest
 * row and hands the parent to `settle_children`, whose own fresh snapshot
 * sees the child and its edge. A parent that finished first is read here as
 * finished, and the child counts it at once. Ids are allocated ahead so that
 * children can name new parents in one INSERT.
 */
export function lockParentsStatement(t: QueueTables): SqlStatement {
  const sequence = `'${t.tasks.replace(/'/g, "''")}'`;
  return prepared(`
    WITH locked AS (
      UPDATE ${t.tasks} p
      SET has_children = p.has_children OR p.state IN ('scheduled', 'pending', 'blocked', 'running')
      WHERE p.id = ANY($1::bigint[])
      RETURNING p.id::text AS id, p.state
    )
    SELECT coalesce((SELECT json_agg(json_build_object('id', id, 'state', state)) FROM locked), '[]') AS parents,
      ARRAY(SELECT nextval(pg_get_serial_sequence(${sequence}, 'id'))::text FROM generate_series(1, $2::integer)) AS ids`);
}

/** The placeholder of the graph insert's `n`-th parameter after the ids ($1) and the task's columns. */
function afterColumns(n: number): string {
  return `$${1 + TASK_PARAM_COUNT + n}`;
}

/**
 * Second statement: the tasks (ids allocated by the first, $1) with their
 * start states, parent counts and policies, and every edge, then one
 * wake-up for those due or scheduled (the last parameter: channel). Arrays
 * of columns, as in insert-tasks.sql.ts (in its order, from $2); `state`
 * NULL means "by run time" (scheduled or pending), else blocked, or failed /
 * cancelled for a child doomed at once.
 */
export function insertGraphStatement(t: QueueTables): SqlStatement {
  const p = afterColumns;
  return prepared(`
    WITH input AS (
      SELECT * FROM unnest($1::bigint[], ${taskArrays(2)},
          ${p(1)}::text[], ${p(2)}::integer[], ${p(3)}::text[], ${p(4)}::boolean[], ${p(5)}::jsonb[])
        AS i(id, ${TASK_INPUT_COLUMNS}, state, pending_parents, on_parent_failure, has_children, errors)
    ), inserted AS (
      INSERT INTO ${t.tasks} (id, name, queue, args, priority, run_at, state, max_attempts, backoff, timeout_ms,
                              metadata, parent_task_id, root_task_id, concurrency_key, key_limit,
                              pending_parents, on_parent_failure, has_children, errors, finished_at)
      OVERRIDING SYSTEM VALUE
      SELECT i.id, i.name, i.queue, i.args, i.priority, r.run_at, coalesce(i.state, ${initialState('r.run_at')}), i.max_attempts,
        i.backoff, i.timeout_ms, i.metadata, i.parent_task_id, i.root_task_id, i.concurrency_key, i.key_limit,
        i.pending_parents, i.on_parent_failure, i.has_children,
        coalesce(i.errors, '[]'::jsonb),
        CASE WHEN i.state IN ('failed', 'cancelled') THEN now() END
      FROM input i CROSS JOIN LATERAL (SELECT ${runAtSql('i.run_at', 'i.delay_ms')} AS run_at) r
      RETURNING id, run_at, state, queue
    ), edges AS (
      INSERT INTO ${t.dependencies} (parent_id, child_id, position)
      SELECT * FROM unnest(${p(6)}::bigint[], ${p(7)}::bigint[], ${p(8)}::integer[])
      RETURNING 1
    ), woken AS (
      SELECT pg_notify(${p(9)}, CASE WHEN octet_length(p) > 7000 THEN '{"k":"w","s":1}' ELSE p END)
      FROM (
        SELECT json_build_object('k', 'w', 'q', json_agg(DISTINCT queue),
          'r', CASE WHEN bool_or(state = 'pending') THEN NULL ELSE (extract(epoch FROM min(run_at)) * 1000)::bigint END,
              's', CASE WHEN bool_or(state = 'pending') AND bool_or(state = 'scheduled') THEN 1 END)::text AS p
        FROM inserted WHERE state IN ('pending', 'scheduled') HAVING count(*) > 0
      ) payload
    )
    SELECT inserted.id::text AS id, inserted.run_at, inserted.state,
      (SELECT count(*) FROM edges) AS edges, (SELECT count(*) FROM woken) AS woken
    FROM inserted ORDER BY inserted.id`);
}
