import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { isoTimestampSql } from './iso-timestamp.sql.js';
import { settleChildrenSql } from './settle-children.sql.js';

/**
 * Records a snooze: the handler of attempt $3 asked to run again in $5 ms.
 * The task becomes `scheduled` with `run_at = now() + $5` on the database's
 * clock (`pending` for a delay of 0), and gives its attempt back
 * (`attempts - 1`, as release does): the next claim counts the same number
 * again, so a task snoozed on its last attempt still gets that attempt.
 * `worker_id` and `started_at` are cleared as by release: the attempt is
 * not spent, and nobody holds the row.
 *
 * The snooze joins the task's history (`errors`) with `kind: 'snooze'` (the
 * read side shows it in `TaskInfo.snoozes`, not among failures), the delay,
 * and when it was written and is due, both on the database's clock. It also
 * has a `name` and a `message` ($7), so a reader that knows nothing of
 * snoozes (an older process during a rolling upgrade, psql) still shows it
 * sensibly.
 *
 * Guarded like failure (`running` under worker $2 at attempt $3), so a late
 * snooze of a worker whose task was rescued changes nothing, plus one more
 * condition: since a snooze gives the attempt back, the next claim of the
 * same task by the same worker has the same attempt number, and a snooze
 * write retried after its reply was lost (it had committed) would match that
 * new attempt. The run time tells the two apart: a claim takes only tasks
 * due by its start, and a snooze moves the run time to its own start or
 * later, so a re-claimed row's run time is past the one this attempt was
 * claimed at ($6, epoch ms as the claim returned it). The 0.01 ms of slack
 * covers the float text of a server whose `extra_float_digits` is 0 (15
 * significant digits); the run times of two claims are further apart than
 * that (a claim, its reply, the handler and the snooze lie between them).
 *
 * Wakes the workers of the task's queue with its run time, as a retry's
 * failure does: idle workers arm their timers for it. A task whose cancel
 * was requested while it ran ends `cancelled` instead (see cancel-tasks.sql.ts).
 */
export function snoozeTaskStatement(t: QueueTables): SqlStatement {
  const runAt = `now() + $5::integer * interval '1 millisecond'`;
  const cancelled = 'cancel_requested_at IS NOT NULL';
  return prepared(`
    WITH finished AS (
      UPDATE ${t.tasks}
      SET state = CASE WHEN ${cancelled} THEN 'cancelled' WHEN $5::integer > 0 THEN 'scheduled' ELSE 'pending' END,
          finished_at = CASE WHEN ${cancelled} THEN now() END,
          run_at = CASE WHEN ${cancelled} THEN run_at ELSE ${runAt} END,
          attempts = attempts - 1,
          worker_id = NULL,
          started_at = NULL,
          errors = errors || jsonb_build_array(jsonb_build_object(
            'kind', 'snooze', 'attempt', attempts, 'name', 'SnoozeTask', 'message', $7::text,
            'delayMs', $5::integer, 'at', ${isoTimestampSql('now()')}, 'runAt', ${isoTimestampSql(runAt)}))
      WHERE id = $1 AND state = 'running' AND worker_id = $2 AND attempts = $3
        AND (extract(epoch FROM run_at) * 1000)::float8 <= $6::float8 + 0.01
      RETURNING id, state, queue, run_at, has_children
    ), ${settleChildrenSql(t, '$4')}
    SELECT id, state, queue, run_at, pg_notify($4, CASE WHEN state = 'cancelled'
        THEN json_build_object('k', 'f', 'ids', json_build_array(id::text))::text
        ELSE json_build_object('k', 'w', 'q', json_build_array(queue), 'r', (extract(epoch FROM run_at) * 1000)::bigint)::text
      END) AS notified, (SELECT count(*) FROM children) AS children
    FROM finished`);
}
