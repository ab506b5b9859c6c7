import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { CLAIM_RETURNED, promotionParts } from './claim-tasks.sql.js';
import { completeUpdate } from './complete-tasks.sql.js';
import { completedLinesSql } from './completed-lines.sql.js';
import { notifyFinishedSql } from './finished-notification.sql.js';
import { markStartedUpdate } from './mark-started.sql.js';
import { settleChildrenSql } from './settle-children.sql.js';

/**
 * How long a claim counts against a rate, in ms, for a window of `periodMs`
 * (SQL): the window plus a margin of a tenth of it, at most 50 ms. Claims
 * are counted on the database's clock, but what a rate-limited API sees is
 * the handlers' starts, each a few milliseconds after its claim by a delay
 * that varies (the commit's round trip, the worker's event loop): the margin
 * absorbs that, so that no window of `periodMs` holds more than `max`
 * handler starts either. It costs at most 5 % of the rate.
 */
export function countedMs(periodMs: string): string {
  return `(${periodMs} + LEAST(50, ${periodMs} / 10))`;
}

/** A claim still counted against a rate of window `periodMs` (SQL), for `started_at` of queue_starts. */
function inWindow(periodMs: string): string {
  return `s.started_at > now() - ${countedMs(periodMs)} * interval '1 millisecond'`;
}

/**
 * Rows this statement completes (its `finished` CTE) are still `running` in
 * its snapshot: they no longer count against the limits.
 */
const NOT_FINISHED = 'id <> ALL (ARRAY(SELECT id FROM finished))';

/**
 * The queue's row, locked for the rest of the transaction: claims of one
 * controlled queue, in any process, take their turn here. `claim_seq` is
 * bumped by each; `current` says no other claim committed between this
 * statement's snapshot and the lock (the version read then is the version
 * locked), so the counts below, taken from that snapshot, miss no claim.
 * Otherwise this statement claims nothing and asks to be sent again
 * (`retry`): the next one's snapshot sees that claim.
 */
function lockedQueueSql(t: QueueTables): string {
  return `seen AS (
      SELECT claim_seq FROM ${t.queues} WHERE name = $9::text
    ), q AS (
      UPDATE ${t.queues} q SET claim_seq = q.claim_seq + 1
      WHERE q.name = $9::text
      RETURNING q.*, q.claim_seq - 1 = (SELECT claim_seq FROM seen) AS current
    )`;
}

/**
 * The queue's budget for this claim ($3 asked): 0 while paused or not
 * current, else what its global concurrency (running rows of the queue,
 * claimed or started) and its rate (claims in the window) leave. One row
 * while the queue has a row in `queues`, none otherwise.
 */
function budgetSql(t: QueueTables): string {
  return `budget AS (
      SELECT q.controlled, q.paused, q.keyed, q.current, q.key_concurrency, q.key_rate_max, q.key_rate_period_ms, q.rate_max, q.rate_period_ms,
        CASE WHEN q.paused OR NOT q.current THEN 0 ELSE GREATEST(0, LEAST($3::bigint,
          coalesce(q.global_concurrency - (SELECT count(*) FROM ${t.tasks} WHERE state = 'running' AND queue = $9::text AND ${NOT_FINISHED}), $3::bigint),
          coalesce(q.rate_max - (SELECT count(*) FROM ${t.queueStarts} s WHERE s.queue = $9::text AND ${inWindow('q.rate_period_ms')}), $3::bigint)
        )) END AS n
      FROM q
    )`;
}

/**
 * The keys of the queue's pending tasks, one index probe each (a loose
 * index scan of tasks_pending_key_idx): the claim looks at every key's head
 * rows, so one key with a deep backlog cannot hide the others behind it.
 */
function keysSql(t: QueueTables): string {
  const keyOf = `FROM ${t.tasks} WHERE state = 'pending' AND queue = $9::text AND concurrency_key IS NOT NULL`;
  return `keys AS (
      (SELECT concurrency_key AS k ${keyOf} AND (SELECT keyed AND n > 0 FROM budget) ORDER BY concurrency_key LIMIT 1)
      UNION ALL
      SELECT (SELECT concurrency_key ${keyOf} AND concurrency_key > keys.k ORDER BY concurrency_key LIMIT 1) FROM keys WHERE keys.k IS NOT NULL
    )`;
}

/** Due pending rows this process runs ($1 names), best first. */
const DUE = `state = 'pending' AND queue = $9::text AND run_at > '-infinity' AND run_at <= now() AND name = ANY($1::text[])`;
const ORDER = 'ORDER BY priority DESC, run_at, id';

/**
 * Per key: room = its limit (the head task's `key_limit`, else the queue's
 * `key_concurrency`, else 1) less its running rows, and its rate less its
 * claims in the window; then that many of its best due rows.
 */
function keyedSql(t: QueueTables): string {
  return `keyed AS (
      SELECT c.id, c.priority, c.run_at FROM keys k CROSS JOIN budget b
      CROSS JOIN LATERAL (
        SELECT GREATEST(0, LEAST(
          coalesce((SELECT key_limit FROM ${t.tasks} WHERE state = 'pending' AND queue = $9::text AND concurrency_key = k.k ${ORDER} LIMIT 1), b.key_concurrency, 1)
            - (SELECT count(*) FROM ${t.tasks} WHERE state = 'running' AND queue = $9::text AND concurrency_key = k.k AND ${NOT_FINISHED}),
          coalesce(b.key_rate_max - (SELECT count(*) FROM ${t.queueStarts} s
            WHERE s.queue = $9::text AND s.concurrency_key = k.k AND ${inWindow('b.key_rate_period_ms')}), 2147483647)
        )) AS room
      ) lim
      CROSS JOIN LATERAL (
        SELECT id, priority, run_at FROM ${t.tasks} WHERE ${DUE} AND concurrency_key = k.k ${ORDER} LIMIT lim.room FOR UPDATE SKIP LOCKED
      ) c
      WHERE k.k IS NOT NULL
    )`;
}

/**
 * Claims for a paused or limited queue ($1 names, $2 worker, $3 asked, $9
 * queue), recording what the worker did since its last statement as the
 * plain claims do ($4 completed ids, $5 outcomes, $6 channel, $7 started
 * ids, $8 markers): one statement, one commit.
 *
 * Claims of one controlled queue take their turn on the queue's row (see
 * lockedQueueSql), and one that finds another committed since its snapshot
 * claims nothing and is sent again; so the counts it limits by (running rows,
 * claims in the rate window) are exact at every instant: a row counts from
 * the moment it is claimed until it leaves `running`. Other claims never
 * take a controlled queue's rows (see claim-tasks.sql.ts).
 *
 * Returns the claimed rows (or one row of NULLs) with what the producer
 * needs to know: whether the queue is still controlled and paused, whether
 * to send the claim again at once (`retry`), whether due rows were left
 * (`waiting`: it is limited, not drained) and, for a rate limit, when the
 * oldest claim in the window leaves it.
 */
export function claimControlledStatement(t: QueueTables, promote: boolean): SqlStatement {
  const promotion = promotionParts(t, '$9::text', promote);
  return prepared(`
    WITH RECURSIVE finished AS (
      ${completeUpdate(t, '$4', '$5', '$2')}
    ), ${completedLinesSql(t, '$5')}, marked AS (
      ${markStartedUpdate(t.tasks, '$7', '$8', '$2')}
    ), notified AS (
      ${notifyFinishedSql('$6')}
    ), ${settleChildrenSql(t, '$6')}, ${promotion.ctes}${lockedQueueSql(t)}, ${budgetSql(t)}, ${keysSql(t)}, ${keyedSql(t)}, unkeyed AS (
      SELECT id, priority, run_at FROM ${t.tasks} WHERE ${DUE} AND concurrency_key IS NULL ${ORDER} LIMIT coalesce((SELECT n FROM budget), 0)
      FOR UPDATE SKIP LOCKED
    ), chosen AS (
      SELECT id FROM (SELECT * FROM keyed UNION ALL SELECT * FROM unkeyed) c ${ORDER} LIMIT coalesce((SELECT n FROM budget), 0)
    ), claimed AS (
      UPDATE ${t.tasks} t
      SET state = 'running', worker_id = $2, attempts = t.attempts + 1, started_at = NULL
      -- Locked where they were chosen (a row claimed by another process since
      -- this statement's snapshot fails the recheck there): fetched by primary key.
      WHERE t.id = ANY (ARRAY(SELECT id FROM chosen))
      RETURNING ${CLAIM_RETURNED}, t.concurrency_key
    ), started AS (
      INSERT INTO ${t.queueStarts} (queue, concurrency_key, started_at)
      -- The time the rows are handed over (the statement's end), not the
      -- transaction's start: a later claim counts the window from its own
      -- statement's start, so its handlers, which start after its commit,
      -- start at least a window after these (see docs/internals.md).
      SELECT $9::text, c.concurrency_key, clock_timestamp() FROM claimed c CROSS JOIN budget b
      WHERE b.rate_max IS NOT NULL OR (b.key_rate_max IS NOT NULL AND c.concurrency_key IS NOT NULL)
    ), expired AS (
      DELETE FROM ${t.queueStarts} s
      WHERE s.queue = $9::text AND NOT ${inWindow('(SELECT GREATEST(coalesce(rate_period_ms, 0), coalesce(key_rate_period_ms, 0)) FROM budget)')}
    ), status AS (
      SELECT coalesce((SELECT controlled FROM budget), false) AS controlled,
        coalesce((SELECT paused FROM budget), false) AS paused,
        NOT coalesce((SELECT current FROM budget), true) AS retry,
        (SELECT count(*) FROM (SELECT 1 FROM ${t.tasks} WHERE ${DUE} LIMIT (SELECT count(*) FROM claimed) + 1) d) > (SELECT count(*) FROM claimed) AS waiting,
        (SELECT (extract(epoch FROM coalesce(min(s.started_at), now()) + ${countedMs('b.rate_period_ms')} * interval '1 millisecond') * 1000)::float8
           FROM budget b LEFT JOIN ${t.queueStarts} s ON s.queue = $9::text AND ${inWindow('b.rate_period_ms')}
           WHERE b.rate_max IS NOT NULL GROUP BY b.rate_period_ms) AS rate_free_at_ms
    )
    SELECT claimed.*, status.*, p.promoted
    FROM notified CROSS JOIN (SELECT count(*) AS settled FROM children) c CROSS JOIN status CROSS JOIN ${promotion.count} LEFT JOIN claimed ON true`);
}

