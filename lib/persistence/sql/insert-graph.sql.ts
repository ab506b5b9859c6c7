import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { initialState, runAtSql } from './insert-tasks.sql.js';

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

/**
 * Second statement: the tasks (ids allocated by the first) with their start
 * states, parent counts and policies, and every edge, then one wake-up for
 * those due or scheduled ($19: channel). Arrays of columns, as in
 * insert-tasks.sql.ts; `state` NULL means "by run time" (scheduled or
 * pending), else blocked, or failed / cancelled for a child doomed at once.
 */
export function insertGraphStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH input AS (
      SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[], $5::integer[], $6::timestamptz[], $7::integer[],
          $8::integer[], $9::jsonb[], $10::integer[], $11::text[], $12::integer[], $13::text[], $14::boolean[], $15::jsonb[])
        AS i(id, name, queue, args, priority, run_at, delay_ms, max_attempts, backoff, timeout_ms, state, pending_parents,
             on_parent_failure, has_children, errors)
    ), inserted AS (
      INSERT INTO ${t.tasks} (id, name, queue, args, priority, run_at, state, max_attempts, backoff, timeout_ms,
                              pending_parents, on_parent_failure, has_children, errors, finished_at)
      OVERRIDING SYSTEM VALUE
      SELECT i.id, i.name, i.queue, i.args, i.priority, r.run_at, coalesce(i.state, ${initialState('r.run_at')}), i.max_attempts,
        i.backoff, i.timeout_ms, i.pending_parents, i.on_parent_failure, i.has_children, coalesce(i.errors, '[]'::jsonb),
        CASE WHEN i.state IN ('failed', 'cancelled') THEN now() END
      FROM input i CROSS JOIN LATERAL (SELECT ${runAtSql('i.run_at', 'i.delay_ms')} AS run_at) r
      RETURNING id, run_at, state, queue
    ), edges AS (
      INSERT INTO ${t.dependencies} (parent_id, child_id, position)
      SELECT * FROM unnest($16::bigint[], $17::bigint[], $18::integer[])
      RETURNING 1
    ), woken AS (
      SELECT pg_notify($19, CASE WHEN octet_length(p) > 7000 THEN '{"k":"w","s":1}' ELSE p END)
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
