import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import { completeUpdate } from './complete-tasks.sql.js';
import { completedLinesSql } from './completed-lines.sql.js';
import { notifyFinishedSql } from './finished-notification.sql.js';
import { markStartedUpdate } from './mark-started.sql.js';
import { promoteDueUpdate } from './promote-due.sql.js';
import { settleChildrenSql } from './settle-children.sql.js';

/**
 * Only what running a task needs. `backoff` stays behind (read by the failure
 * path): jsonb output is a measurable part of a 500-row claim.
 */
export const CLAIM_RETURNED =
  't.id, t.name, t.queue, t.args, t.priority, (extract(epoch FROM t.run_at) * 1000)::float8 AS run_at_ms, t.attempts, t.max_attempts, t.timeout_ms, ' +
  // What the handler's context reads of its lineage, as one column that is NULL for most tasks: a
  // field per row costs the driver's parser even when NULL, hundreds of times per claim.
  `CASE WHEN t.metadata IS NULL AND t.parent_task_id IS NULL AND t.context IS NULL THEN NULL
     ELSE jsonb_build_array(t.metadata, t.parent_task_id::text, t.root_task_id::text, t.context) END AS lineage`;

/** Scheduled tasks a claim promotes at most, per statement. */
export const CLAIM_PROMOTE_BATCH = 1_000;

/**
 * The lowest integer: `priority >= ANY_PRIORITY` holds for every row, and is
 * part of `tasks_claim_all_idx`'s predicate so that only the claim of every
 * queue (which states it) can use that index; see the migration
 * ScheduledState1764115200000.
 */
export const ANY_PRIORITY = -2147483648;

/** Due rows of the names this process runs ($1), as every plain claim picks them (see claimUpdate on the two-sided range). */
const DUE_NAMED = "run_at > '-infinity' AND run_at <= now() AND name = ANY($1::text[])";

/**
 * What a claim covers: every queue (`tasks_claim_all_idx`), one queue
 * (`tasks_claim_queue_idx`), or every queue walked queue by queue
 * (`byQueue`, see byQueueCandidates): the claim of every queue while some
 * queue is paused or limited, whose backlog would otherwise lie across the
 * all-queues index.
 */
export type ClaimScope = 'all' | 'queue' | 'byQueue';

/** The queue's placeholder, the last parameter of each statement, in queue scope; null in 'all'. */
function queueParam(scope: ClaimScope, position: number): string | null {
  return scope === 'queue' ? `$${position}::text` : null;
}

/**
 * The claim's UPDATE ($1 names, $2 worker, $3 limit; `queue`, a placeholder,
 * or null for every queue).
 * The attempt number is taken here, so that every later write of the attempt
 * is guarded by it, but `started_at` stays empty: the attempt counts as spent
 * only once its start is recorded (see mark-started.sql.ts), so a task
 * claimed ahead and never started gets its attempt back when rescued.
 *
 * The inner SELECT is an equality on the index's leading column (one queue)
 * or the all-queues index's own predicate (every queue), and an ORDER BY
 * equal to the rest of the index, over a partial index of pending rows
 * only: the one plan that needs neither a sort nor a look at other queues'
 * or delayed rows, and the only one that can stop after `$3` rows, so
 * PostgreSQL picks it without statistics (see test/claim-plan.spec.ts).
 * `run_at <= now()` is a cheap guard for rows written `pending` with a
 * future run time by an older version during a rolling upgrade; bounded on
 * both sides for the planner's sake (see promote-due.sql.ts): in the scope of
 * every queue, a one-sided range made PostgreSQL guess enough rows to prefer
 * a bitmap scan and a sort on a table never analyzed.
 *
 * The ids reach the UPDATE as an array (`id = ANY(ARRAY(...))`, an InitPlan
 * run once), so the rows are fetched by primary key, never by reading the
 * table: a plain index scan, or on a table never analyzed a bitmap of those
 * ids over the primary key, either way bounded by the ids. (A joined CTE got
 * a sequential scan and a hash of the whole table; an unnested array joined
 * got the same on a table whose statistics were taken while it was small.)
 * The rows are locked by the inner SELECT, so the UPDATE needs no state guard.
 */
function claimUpdate(t: QueueTables, queue: string | null, byQueue = false): string {
  if (byQueue) {
    return `
    UPDATE ${t.tasks} t
    SET state = 'running', worker_id = $2, attempts = t.attempts + 1, started_at = NULL
    WHERE t.id = ANY (ARRAY(${byQueueCandidates(t)}))
    RETURNING ${CLAIM_RETURNED}`;
  }
  return `
    UPDATE ${t.tasks} t
    SET state = 'running', worker_id = $2, attempts = t.attempts + 1, started_at = NULL
    WHERE t.id = ANY (ARRAY(
      SELECT id FROM ${t.tasks}
      WHERE state = 'pending'${queue === null ? ` AND priority >= ${ANY_PRIORITY}` : ` AND queue = ${queue}`} AND ${DUE_NAMED} AND ${uncontrolled(t, queue)}
      ORDER BY ${queue === null ? '' : 'queue, '}priority DESC, run_at, id
      LIMIT $3
      FOR UPDATE SKIP LOCKED
    ))
    RETURNING ${CLAIM_RETURNED}`;
}

/**
 * The claim of every queue, queue by queue ($1 names, $3 limit): the queues
 * with pending rows, found by a loose index scan of `tasks_claim_queue_idx`
 * (one probe per queue), less the paused and limited ones; from each, its
 * best `$3` due rows, read without locks; of those, the best `$3`, which say
 * how many rows to take from each queue; then, per queue, that many of its
 * best rows, locked where they are picked (`SKIP LOCKED`: a row another
 * claim holds is passed over for the next, as in the one-queue claim). So a
 * claim locks what it takes, however many queues have a backlog.
 *
 * Why: the all-queues claim walks `tasks_claim_all_idx` in claim order and
 * steps over the rows of paused and limited queues one by one. A paused
 * queue's backlog ahead of the others' rows made every claim step over all
 * of it: 400,000 paused tasks slowed the drain of another queue to 0.2x.
 * Used only while this process knows of a controlled queue (one probe per
 * queue with pending rows costs more than the plain walk otherwise).
 */
function byQueueCandidates(t: QueueTables): string {
  const due = `state = 'pending' AND ${DUE_NAMED}`;
  const order = 'ORDER BY queue, priority DESC, run_at, id';
  return `
      WITH RECURSIVE pending_queues AS (
        (SELECT queue FROM ${t.tasks} WHERE state = 'pending' ORDER BY queue LIMIT 1)
        UNION ALL
        SELECT (SELECT queue FROM ${t.tasks} WHERE state = 'pending' AND queue > p.queue ORDER BY queue LIMIT 1)
        FROM pending_queues p WHERE p.queue IS NOT NULL
      ), open_queues AS (
        SELECT queue FROM pending_queues WHERE queue IS NOT NULL AND ${uncontrolled(t, null)}
      ), best AS (
        SELECT h.queue FROM open_queues o
        CROSS JOIN LATERAL (SELECT queue, priority, run_at, id FROM ${t.tasks} WHERE ${due} AND queue = o.queue ${order} LIMIT $3) h
        ORDER BY h.priority DESC, h.run_at, h.id
        LIMIT $3
      ), shares AS (
        SELECT queue, count(*) AS n FROM best GROUP BY queue
      )
      SELECT l.id FROM shares s
      CROSS JOIN LATERAL (SELECT id FROM ${t.tasks} WHERE ${due} AND queue = s.queue ${order} LIMIT s.n FOR UPDATE SKIP LOCKED) l`;
}

/**
 * Leaves out the rows of paused and limited queues: those are claimed by the
 * controlled claim only (see claim-controlled.sql.ts), one claim at a time
 * per queue. Read from the table by every claim, so a process that missed a
 * notification never starts a task of a paused queue. Each side is an
 * InitPlan run once per statement over the few rows of `queues` (nothing
 * when no queue was ever paused or limited): claims of other queues pay a
 * comparison per row they look at.
 */
function uncontrolled(t: QueueTables, queue: string | null): string {
  // `queue || ''`: an expression without statistics. On the column itself,
  // with one distinct queue in the statistics, PostgreSQL took `<>` of an
  // unknown value as matching no row and chose a bitmap scan and a sort of
  // every pending row (200 ms a claim under 200,000 pending: W6).
  if (queue === null) return `(queue || '') <> ALL (ARRAY(SELECT name FROM ${t.queues} WHERE controlled))`;
  return `NOT EXISTS (SELECT 1 FROM ${t.queues} WHERE name = ${queue} AND controlled)`;
}

/**
 * Wakes every worker of the queues whose tasks a claim promoted (the channel
 * is the schema's, written into the text): the process that promoted them
 * may not be able to take them all, or run their names at all. Sent only
 * when something was promoted, so claims of a queue with no delayed task
 * never notify.
 */
function promotedWakeup(t: QueueTables, queue: string | null): string {
  const channel = `'${t.channel.replace(/'/g, "''")}'`;
  // One queue: name it. Every queue: wake every worker (no aggregate of the
  // promoted rows' queues, which would sort them).
  const payload = queue === null ? `'{"k":"w"}'` : `json_build_object('k', 'w', 'q', json_build_array(${queue}))::text`;
  return `woken AS (
      SELECT pg_notify(${channel}, ${payload}) FROM (SELECT 1 FROM promoted LIMIT 1) any_promoted
    )`;
}

/** The promoted count; reading `woken` here is what makes its NOTIFY run. */
const PROMOTED_COUNT = 'SELECT count(*) AS promoted, (SELECT count(*) FROM woken) AS woken FROM promoted';

/**
 * The promotion a claim carries: its CTEs (ending with a comma, to go before
 * `claimed`) and the one-row source `p` of the `promoted` column. Without
 * promotion (`promote` false: the producer knows no scheduled task of its
 * scope can be due, see NextRunTimer) there are no CTEs and `promoted` is 0:
 * the probe and its NOTIFY are half the cost of a one-row claim. The
 * statement returns the same shape either way.
 */
export function promotionParts(t: QueueTables, queue: string | null, promote: boolean): { ctes: string; count: string } {
  if (!promote) return { ctes: '', count: '(SELECT 0::bigint AS promoted) p' };
  return {
    ctes: `promoted AS (
      ${promoteDueUpdate(t, queue, String(CLAIM_PROMOTE_BATCH))}
    ), ${promotedWakeup(t, queue)}, `,
    count: `(${PROMOTED_COUNT}) p`,
  };
}

/**
 * Claims up to $3 due tasks for worker $2 ($4: the queue, in queue scope), and promotes the scope's due
 * scheduled tasks to `pending` in the same statement. Rows it promotes are
 * not visible to its own claim (one snapshot): the `promoted` column tells
 * the producer to claim again at once. Every row returned carries it; when
 * nothing was claimed, one row of NULLs does.
 *
 * Only names this process can run ($1) are taken, so differently deployed
 * workers never steal each other's tasks; `SKIP LOCKED` lets concurrent
 * workers take disjoint rows without waiting on each other.
 */
export function claimTasksStatement(t: QueueTables, scope: ClaimScope, promote = true): SqlStatement {
  const queue = queueParam(scope, 4);
  const promotion = promotionParts(t, queue, promote);
  return prepared(`
    WITH ${promotion.ctes}claimed AS (
      ${claimUpdate(t, queue, scope === 'byQueue')}
    )
    SELECT claimed.*, p.promoted FROM ${promotion.count} LEFT JOIN claimed ON true`);
}

/**
 * The same claim, also recording what this worker did since its last
 * statement (completions: $4 ids, $5 outcomes; start markers: $7 ids, $8
 * markers; waiters notified on $6; $9: the queue, in queue scope), in one statement and one commit: while a
 * worker drains a backlog, recording costs no round trip of its own. The
 * UPDATEs touch disjoint rows (running, scheduled, pending ones). The
 * data-modifying CTEs always run; the notification and children CTEs are
 * made to run by being outer sides of the final join.
 */
export function recordAndClaimStatement(t: QueueTables, scope: ClaimScope, promote = true): SqlStatement {
  const queue = queueParam(scope, 9);
  const promotion = promotionParts(t, queue, promote);
  const byQueue = scope === 'byQueue';
  return prepared(`
    WITH finished AS (
      ${completeUpdate(t, '$4', '$5', '$2')}
    ), ${completedLinesSql(t, '$5')}, marked AS (
      ${markStartedUpdate(t.tasks, '$7', '$8', '$2')}
    ), notified AS (
      ${notifyFinishedSql('$6')}
    ), ${settleChildrenSql(t, '$6')}, ${promotion.ctes}claimed AS (
      ${claimUpdate(t, queue, byQueue)}
    )
    SELECT claimed.*, p.promoted
    FROM notified CROSS JOIN (SELECT count(*) AS settled FROM children) c CROSS JOIN ${promotion.count} LEFT JOIN claimed ON true`);
}
