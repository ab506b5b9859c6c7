import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { schedulesTable } from './schedules.sql.js';

/**
 * The schedules the leader plans: neither paused nor disabled, with the
 * database's clock, which decides what is due (the processes' clocks may
 * drift; the database's is the one every instance shares).
 */
export function readActiveSchedulesStatement(t: QueueTables): SqlStatement {
  return prepared(`
    SELECT key, task, cron, timezone, every_ms, missed, backfill_limit, grace_ms,
           date_trunc('milliseconds', last_slot) AS last_slot, revision, clock_timestamp() AS db_now
    FROM ${schedulesTable(t)} WHERE NOT paused AND NOT disabled`);
}

/**
 * Fires slots of one schedule: moves its last slot to $3 and inserts one
 * task per slot ($4 instants, $5 the same as ISO text for the tasks'
 * metadata), each due at its slot, in one statement, hence one transaction.
 *
 * Exactly once per slot, whatever the number of leaders: the UPDATE is a
 * compare-and-set on `revision` ($2, read by the plan), which every write
 * of the row bumps, this one included. Two leaders planning the same slots
 * both send this statement; the second UPDATE waits for the first one's row
 * lock, then, under READ COMMITTED, re-checks its WHERE on the row the first
 * committed, finds another revision and updates nothing, so `advanced` is
 * empty and it inserts nothing. A plan made before an upsert, a pause or a
 * removal fails the same way and is made again. `last_slot < $3` keeps the
 * last slot moving forward only, and every slot fired is after the old one
 * and at most the new one: no slot can be fired twice.
 *
 * The tasks' wake-up (`$6`, the channel) rides on the same commit.
 */
export function fireScheduleStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH advanced AS (
      UPDATE ${schedulesTable(t)}
      SET last_slot = $3, revision = revision + 1, updated_at = now()
      WHERE key = $1 AND revision = $2::bigint AND last_slot < $3 AND NOT paused AND NOT disabled
      RETURNING key, task, args, queue, priority, max_attempts, backoff, timeout_ms
    ), inserted AS (
      INSERT INTO ${t.tasks} (name, queue, args, priority, run_at, state, max_attempts, backoff, timeout_ms, metadata)
      SELECT a.task, a.queue, a.args, a.priority, f.slot, CASE WHEN f.slot > now() THEN 'scheduled' ELSE 'pending' END,
             a.max_attempts, a.backoff, a.timeout_ms, jsonb_build_object('schedule', a.key, 'slot', f.slot_iso)
      FROM advanced a CROSS JOIN unnest($4::timestamptz[], $5::text[]) WITH ORDINALITY AS f(slot, slot_iso, ord)
      ORDER BY f.ord
      RETURNING id, queue
    ), notified AS (
      SELECT pg_notify($6, json_build_object('k', 'w', 'q', json_build_array(min(queue)))::text) AS sent
      FROM inserted HAVING count(*) > 0
    )
    SELECT (SELECT count(*) FROM advanced)::int AS advanced,
           coalesce((SELECT array_agg(id ORDER BY id) FROM inserted), '{}') AS ids,
           (SELECT min(queue) FROM inserted) AS queue,
           (SELECT count(*) FROM notified)::int AS notified`);
}
