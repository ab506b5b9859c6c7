import type { QueueTables } from '../queue-tables.js';
import { quoteIdentifier } from '../quote-identifier.js';
import { prepared, type SqlStatement } from '../sql-statement.js';

/**
 * Statements that write and read schedules (migration Schedules1764547200000).
 * Every change bumps `revision`: the leader fires a schedule only at the
 * revision it planned with (see fire-schedule.sql.ts), so a plan made on a
 * definition that changed since is dropped, never fired.
 *
 * Each change the leader must hear of at once (a new or changed schedule, a
 * pause, a resume, a removal) sends `{"k":"s"}` on the queue's channel in its
 * own commit; the leader re-plans its timer on it. A lost notification only
 * delays that to the leader's next pass (`rescueIntervalMs`).
 */

/** The schedules table of a schema. */
export function schedulesTable(t: QueueTables): string {
  return `${quoteIdentifier(t.schema)}.schedules`;
}

/** The payload announcing a change of schedules (NotificationListener parses it as kind 'schedules'). */
export const SCHEDULES_CHANGED_PAYLOAD = '{"k":"s"}';

/**
 * Columns a schedule row is read with; `last_slot` is truncated to the
 * millisecond so that a slot computed from it in JavaScript is exact (a
 * driver rounding 12:00:00.9996 up to 12:00:01 would skip that slot).
 */
export const SCHEDULE_COLUMNS = `key, task, args, cron, timezone, every_ms, queue, priority, max_attempts, backoff, timeout_ms,
  missed, backfill_limit, grace_ms, declared, paused, disabled, date_trunc('milliseconds', last_slot) AS last_slot, revision`;

const DEFINITION = 'task, args, cron, timezone, every_ms, queue, priority, max_attempts, backoff, timeout_ms, missed, backfill_limit, grace_ms, declared';

/**
 * Writes a schedule ($1 key, $2–$15 its definition, $16 the channel).
 * A new one starts at now (its first slot is the next one); an existing one
 * keeps its last slot, its pause, and its revision when nothing changed (a
 * bootstrap re-declaring the same schedules writes nothing). A new timing,
 * or a schedule declared again after it was disabled, starts from now: the
 * slots before were never this definition's to miss.
 */
export function upsertScheduleStatement(t: QueueTables): SqlStatement {
  const table = schedulesTable(t);
  const excluded = DEFINITION.split(', ').map((column) => `EXCLUDED.${column}`).join(', ');
  const current = DEFINITION.split(', ').map((column) => `s.${column}`).join(', ');
  return prepared(`
    WITH upserted AS (
      INSERT INTO ${table} AS s (${DEFINITION}, key, last_slot)
      VALUES ($2, $3::jsonb, $4, $5, $6::bigint, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $1, now())
      ON CONFLICT (key) DO UPDATE SET (${DEFINITION}) = (${excluded}),
        disabled = false,
        last_slot = CASE WHEN s.disabled OR (s.cron, s.timezone, s.every_ms) IS DISTINCT FROM (EXCLUDED.cron, EXCLUDED.timezone, EXCLUDED.every_ms)
                    THEN greatest(s.last_slot, now()) ELSE s.last_slot END,
        revision = s.revision + 1,
        updated_at = now()
      WHERE (${current}, s.disabled) IS DISTINCT FROM (${excluded}, false)
      RETURNING ${SCHEDULE_COLUMNS}
    ), notified AS (
      SELECT pg_notify($16, '${SCHEDULES_CHANGED_PAYLOAD}') AS sent FROM upserted
    )
    SELECT u.*, now() AS db_now, (SELECT count(*) FROM notified)::int AS changed FROM upserted u
    UNION ALL
    SELECT ${SCHEDULE_COLUMNS}, now() AS db_now, 0 AS changed FROM ${table} WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM upserted)`);
}

/**
 * Pauses ($2 true) or resumes ($2 false) schedule $1. A resumed schedule
 * starts again from now: the slots that fell due while it was paused are
 * not missed runs, they were not wanted.
 */
export function setSchedulePausedStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH changed AS (
      UPDATE ${schedulesTable(t)}
      SET paused = $2,
          last_slot = CASE WHEN paused AND NOT $2 THEN greatest(last_slot, now()) ELSE last_slot END,
          revision = revision + 1, updated_at = now()
      WHERE key = $1
      RETURNING key
    ), notified AS (
      SELECT pg_notify($3, '${SCHEDULES_CHANGED_PAYLOAD}') AS sent FROM changed
    )
    SELECT key, (SELECT count(*) FROM notified)::int AS notified FROM changed`);
}

/** Deletes schedule $1. Tasks it already fired stay. */
export function removeScheduleStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH removed AS (DELETE FROM ${schedulesTable(t)} WHERE key = $1 RETURNING key),
    notified AS (SELECT pg_notify($2, '${SCHEDULES_CHANGED_PAYLOAD}') AS sent FROM removed)
    SELECT key, (SELECT count(*) FROM notified)::int AS notified FROM removed`);
}

/**
 * Disables the declared schedules of tasks this process runs ($1) whose keys
 * it no longer declares ($2): their `@Schedule()` was removed from the code.
 * Schedules of tasks this process does not run are left alone: they belong
 * to processes of another kind (a web node does not disable a worker's).
 */
export function disableUndeclaredStatement(t: QueueTables): SqlStatement {
  return prepared(`
    UPDATE ${schedulesTable(t)} SET disabled = true, revision = revision + 1, updated_at = now()
    WHERE declared AND NOT disabled AND task = ANY($1::text[]) AND NOT (key = ANY($2::text[]))
    RETURNING key`);
}

/** Every schedule (or the one of key $1 when given), with the database's clock. */
export function readSchedulesStatement(t: QueueTables): SqlStatement {
  return prepared(`
    SELECT ${SCHEDULE_COLUMNS}, now() AS db_now FROM ${schedulesTable(t)}
    WHERE $1::text IS NULL OR key = $1 ORDER BY key`);
}
