import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_SCHEMA } from '../lib/queued-tasks.constants.js';
import { quoteIdentifier } from '../lib/persistence/quote-identifier.js';

/**
 * Task control: cancellation from any process, and dependencies.
 *
 * - `tasks.cancel_requested_at`: a cancel of a running task is an intent
 *   stored in the row (and announced by NOTIFY). The worker's own completion
 *   or failure statement reads it and ends the task `cancelled`; rescue does
 *   the same when the worker died.
 * - `blocked`: a task waiting for its parents. `pending_parents` counts the
 *   parents not finished yet; `on_parent_failure` is the child's policy
 *   (NULL: 'fail'). `has_children` marks parents, so that completions of
 *   the other tasks (nearly all of them) never look for children.
 * - `task_dependencies (parent_id, child_id, position)`: one edge per parent
 *   of a child (finished parents included; `position` is the parent's place
 *   in `dependsOn`), found by parent (settling) and by child (`parents()`).
 *   No foreign keys: their triggers would run on every update of the tasks
 *   table (claims, completions); retention (later) must keep a parent while
 *   an unfinished child depends on it, which this table tells.
 * - `settle_children(...)`: releases or dooms the children of parents that
 *   just finished, down the whole graph. A function because each of its
 *   statements takes a fresh snapshot: a child committed while the parent's
 *   completion waited for the parent's row lock is visible to it (see
 *   below).
 *
 * Adding columns with constant defaults rewrites nothing (PostgreSQL 11+).
 */
export class TaskControl1764201600000 implements MigrationInterface {
  name = 'TaskControl1764201600000';

  constructor(private readonly schema: string = DEFAULT_SCHEMA) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks
         ADD COLUMN IF NOT EXISTS cancel_requested_at timestamptz,
         ADD COLUMN IF NOT EXISTS pending_parents integer NOT NULL DEFAULT 0,
         ADD COLUMN IF NOT EXISTS on_parent_failure text,
         ADD COLUMN IF NOT EXISTS has_children boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(`ALTER TABLE ${s}.tasks DROP CONSTRAINT IF EXISTS tasks_state_check`);
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks ADD CONSTRAINT tasks_state_check
       CHECK (state IN ('scheduled', 'pending', 'blocked', 'running', 'completed', 'failed', 'cancelled'))`,
    );
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS ${s}.task_dependencies (
         parent_id bigint NOT NULL,
         child_id bigint NOT NULL,
         position integer NOT NULL,
         PRIMARY KEY (parent_id, child_id)
       )`,
    );
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS task_dependencies_child_idx ON ${s}.task_dependencies (child_id, position)`);
    await queryRunner.query(settleChildrenFunction(s));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdentifier(this.schema);
    await queryRunner.query(`LOCK TABLE ${s}.tasks IN ACCESS EXCLUSIVE MODE`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${s}.settle_children(bigint[], text[], text)`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.task_dependencies`);
    // Blocked tasks cannot exist without their edges: they fail.
    await queryRunner.query(`UPDATE ${s}.tasks SET state = 'failed', finished_at = now() WHERE state = 'blocked'`);
    await queryRunner.query(`ALTER TABLE ${s}.tasks DROP CONSTRAINT IF EXISTS tasks_state_check`);
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks ADD CONSTRAINT tasks_state_check
       CHECK (state IN ('scheduled', 'pending', 'running', 'completed', 'failed', 'cancelled'))`,
    );
    await queryRunner.query(
      `ALTER TABLE ${s}.tasks
         DROP COLUMN IF EXISTS has_children,
         DROP COLUMN IF EXISTS on_parent_failure,
         DROP COLUMN IF EXISTS pending_parents,
         DROP COLUMN IF EXISTS cancel_requested_at`,
    );
  }
}

/**
 * `settle_children(parents, states, channel)`: the parents `parents` just
 * ended in `states` ('completed', 'failed' or 'cancelled'); each blocked
 * child of theirs counts the completed ones (and, under its policy 'run',
 * the others) off `pending_parents` and becomes `pending` (or `scheduled`
 * when its run time is still ahead) at 0; under 'fail' or 'cancel' a parent
 * that did not complete ends the child `failed` (with a ParentFailedError in
 * its history) or `cancelled`, and those children are settled in turn, down
 * the whole graph. Workers are woken for released children and result
 * waiters told of doomed ones, on `channel`, at commit.
 *
 * Called from the statement that finishes the parents, in its transaction
 * (no polling loop): VOLATILE, so each statement here takes a fresh snapshot
 * and sees a child whose transaction committed while the finishing
 * statement waited for the parent's row lock (the child's enqueue holds that
 * lock from marking the parent `has_children` until it commits). Concurrent
 * parents of one child serialise on the child's row; the UPDATE re-reads
 * `pending_parents` from its newest version.
 */
function settleChildrenFunction(s: string): string {
  const at = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return `
    CREATE OR REPLACE FUNCTION ${s}.settle_children(parents bigint[], states text[], channel text)
    RETURNS integer LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      frontier_ids bigint[] := parents;
      frontier_states text[] := states;
      touched integer := 0;
      settled_count integer;
    BEGIN
      WHILE cardinality(frontier_ids) > 0 LOOP
        WITH ended AS (
          SELECT * FROM unnest(frontier_ids, frontier_states) AS e(parent_id, parent_state)
        ), edges AS (
          SELECT d.child_id, e.parent_id, e.parent_state,
            e.parent_state = 'completed' OR coalesce(c.on_parent_failure, 'fail') = 'run' AS ok
          FROM ended e
          JOIN ${s}.task_dependencies d ON d.parent_id = e.parent_id
          JOIN ${s}.tasks c ON c.id = d.child_id
        ), verdicts AS (
          SELECT child_id,
            count(*) FILTER (WHERE ok) AS satisfied,
            (array_agg(parent_id ORDER BY parent_id) FILTER (WHERE NOT ok))[1] AS bad_parent,
            (array_agg(parent_state ORDER BY parent_id) FILTER (WHERE NOT ok))[1] AS bad_state
          FROM edges GROUP BY child_id
        ), settled AS (
          UPDATE ${s}.tasks c
          SET pending_parents = c.pending_parents - v.satisfied,
              state = CASE
                WHEN v.bad_parent IS NOT NULL THEN CASE WHEN c.on_parent_failure = 'cancel' THEN 'cancelled' ELSE 'failed' END
                WHEN c.pending_parents - v.satisfied > 0 THEN 'blocked'
                WHEN c.run_at > now() THEN 'scheduled'
                ELSE 'pending' END,
              finished_at = CASE WHEN v.bad_parent IS NOT NULL THEN now() END,
              errors = CASE WHEN v.bad_parent IS NOT NULL AND coalesce(c.on_parent_failure, 'fail') = 'fail'
                THEN c.errors || jsonb_build_array(jsonb_build_object(
                  'attempt', c.attempts, 'name', 'ParentFailedError',
                  'message', 'Parent task ' || v.bad_parent || ' ended ' || v.bad_state || ', so this task cannot run (onParentFailure: ''fail'').',
                  'parentId', v.bad_parent::text, 'parentState', v.bad_state, 'at', ${at}))
                ELSE c.errors END
          FROM verdicts v
          WHERE c.id = v.child_id AND c.state = 'blocked'
          RETURNING c.id, c.state, c.queue, c.run_at, c.has_children
        ), woken AS (
          SELECT pg_notify(channel, CASE WHEN octet_length(p) > 7000 THEN '{"k":"w","s":1}' ELSE p END)
          FROM (
            SELECT json_build_object('k', 'w', 'q', json_agg(DISTINCT queue),
              'r', CASE WHEN bool_or(state = 'pending') THEN NULL ELSE (extract(epoch FROM min(run_at)) * 1000)::bigint END,
              's', CASE WHEN bool_or(state = 'pending') AND bool_or(state = 'scheduled') THEN 1 END)::text AS p
            FROM settled WHERE state IN ('pending', 'scheduled') HAVING count(*) > 0
          ) payload
        ), told AS (
          SELECT pg_notify(channel, json_build_object('k', 'f', 'ids', json_agg(id::text))::text)
          FROM (SELECT id, (row_number() OVER ()) / 200 AS chunk FROM settled WHERE state IN ('failed', 'cancelled')) numbered
          GROUP BY chunk
        )
        SELECT coalesce(array_agg(id) FILTER (WHERE state IN ('failed', 'cancelled') AND has_children), '{}'),
               coalesce(array_agg(state) FILTER (WHERE state IN ('failed', 'cancelled') AND has_children), '{}'),
               count(*) + 0 * ((SELECT count(*) FROM woken) + (SELECT count(*) FROM told))
        INTO frontier_ids, frontier_states, settled_count
        FROM settled;
        touched := touched + settled_count;
      END LOOP;
      RETURN touched;
    END
    $fn$`;
}
