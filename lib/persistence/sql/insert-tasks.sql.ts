import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';
import type { TaskKey } from './task-key.sql.js';

/** Everything needed to write one task. `runAt` null means "now + delayMs" on the database's clock. */
export interface NewTaskRow {
  name: string;
  queue: string;
  /** JSON text, already validated. */
  args: string;
  priority: number;
  runAt: Date | null;
  delayMs: number;
  maxAttempts: number;
  /** JSON text or null. */
  backoff: string | null;
  timeoutMs: number | null;
  /** What it does when a parent fails (null: no parents, or the default 'fail'). */
  onParentFailure?: 'fail' | 'cancel' | 'run' | null;
  /** A unique, debounce or throttle key: such a row is written by insert-keyed-task.sql.ts or debounce-task.sql.ts, never by the statements here. */
  key?: TaskKey | null;
  /** Metadata as JSON text (merged with the adding task's), or null. */
  metadata?: string | null;
  /** The task whose handler adds this one, or null. */
  parentTaskId?: string | null;
  /** The first task of that chain, or null. */
  rootTaskId?: string | null;
  /** The concurrency key it counts against in its queue (see keyed-queues.ts), or null. */
  concurrencyKey?: string | null;
  /** Tasks of its key run at once, from its definition's `keyConcurrency`; null: the queue's limit, else 1. Null without a key. */
  keyLimit?: number | null;
}

/**
 * Columns every insert writes, in the order of {@link insertTaskValues}:
 * $1–$9 the task, $10–$12 its metadata and lineage (NULL for a task added
 * from outside any task without metadata, which is most of them), $13–$14
 * its concurrency key and key limit (NULL too, unless the add gave a key).
 */
const TASK_COLUMNS =
  'name, queue, args, priority, run_at, state, max_attempts, backoff, timeout_ms, metadata, parent_task_id, root_task_id, concurrency_key, key_limit';

/**
 * Types of the task's parameters, in the order of {@link insertTaskValues}
 * (the input's run time and delay where TASK_COLUMNS has `run_at, state`).
 */
const TASK_PARAM_TYPES = ['text', 'text', 'jsonb', 'integer', 'timestamptz', 'integer', 'integer', 'jsonb', 'integer', 'jsonb', 'bigint', 'bigint', 'text', 'integer'];

/** Names of the task's parameters as rows of `unnest` (see {@link taskArrays}). */
export const TASK_INPUT_COLUMNS =
  'name, queue, args, priority, run_at, delay_ms, max_attempts, backoff, timeout_ms, metadata, parent_task_id, root_task_id, concurrency_key, key_limit';

/**
 * Parameters of the task in every insert: $1–$14 (one-row statements) or
 * 14 arrays (multi-row ones). A statement's own parameters come after them:
 * write them with {@link afterTask}, never as literal numbers, so that a new
 * task column renumbers them all.
 */
export const TASK_PARAM_COUNT = TASK_PARAM_TYPES.length;

/** The task's arrays as arguments of `unnest`, from placeholder `$first`: `$1::text[], $2::text[], …`. */
export function taskArrays(first: number): string {
  return TASK_PARAM_TYPES.map((type, index) => `$${first + index}::${type}[]`).join(', ');
}

/** The placeholder of a statement's `n`-th own parameter (1-based), after the task's: `afterTask(1)` is `$15`. */
export function afterTask(n: number): string {
  return `$${TASK_PARAM_COUNT + n}`;
}

/** The values of {@link TASK_COLUMNS} for a one-row insert, run time `r.run_at` from a subquery `r`. */
const TASK_PARAMS = `$1, $2, $3::jsonb, $4, r.run_at, ${initialState('r.run_at')}, $7, $8::jsonb, $9, $10::jsonb, $11::bigint, $12::bigint, $13::text, $14::integer`;

/** Columns and values of a one-row insert of {@link NewTaskRow} ($1–$14). */
export function oneTaskInsert(t: QueueTables, extraColumns = '', extraValues = ''): string {
  return `INSERT INTO ${t.tasks} (${TASK_COLUMNS}${extraColumns})
      SELECT ${TASK_PARAMS}${extraValues}
      FROM (SELECT ${runAtSql('$5::timestamptz', '$6::integer')} AS run_at) r`;
}

/**
 * One task, one round trip. Run times are computed with the database's
 * `now()` so that app servers with drifting clocks still agree on order.
 * No NOTIFY here: a notifying transaction cannot share a disk flush with
 * others, which would halve the rate of concurrent single enqueues; the
 * wake-up is sent separately and coalesced (see WakeupNotifier).
 */
export function insertTaskStatement(t: QueueTables): SqlStatement {
  return prepared(`
    ${oneTaskInsert(t)}
    RETURNING id, run_at`);
}

/** Run time of a new task: the one given, or now + delay on the database's clock. */
export function runAtSql(runAt: string, delayMs: string): string {
  return `COALESCE(${runAt}, now() + ${delayMs} * interval '1 millisecond')`;
}

/** A task due now is `pending` (claimable); one due later is `scheduled` until promoted. */
export function initialState(runAt: string): string {
  return `CASE WHEN ${runAt} > now() THEN 'scheduled' ELSE 'pending' END`;
}

/**
 * The same insert carrying its own wake-up NOTIFY (`afterTask(1)` = channel), for the
 * leading edge: when no other notification of this process is in flight,
 * the wake-up rides on the insert's own commit, so an idle worker hears of
 * the task with no extra round trip or disk flush. Only one such insert is
 * in flight per process at a time (see WakeupNotifier), so notifying
 * commits never queue up behind each other.
 */
export function insertTaskNotifyingStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH inserted AS (
      ${oneTaskInsert(t)}
      RETURNING id, run_at, queue
    )
    SELECT id, run_at, pg_notify(${afterTask(1)}, json_build_object('k', 'w', 'q', json_build_array(queue),
      'r', CASE WHEN run_at > now() THEN (extract(epoch FROM run_at) * 1000)::bigint END)::text) AS notified
    FROM inserted`);
}

export function insertTaskValues(task: NewTaskRow): unknown[] {
  return [
    task.name,
    task.queue,
    task.args,
    task.priority,
    task.runAt,
    task.delayMs,
    task.maxAttempts,
    task.backoff,
    task.timeoutMs,
    task.metadata ?? null,
    task.parentTaskId ?? null,
    task.rootTaskId ?? null,
    task.concurrencyKey ?? null,
    task.keyLimit ?? null,
  ];
}

/**
 * Many tasks in one statement: each column travels as one array parameter and
 * `unnest` turns them back into rows, so the statement text (and its plan) is
 * the same whatever the batch size. `WITH ORDINALITY` + ORDER BY keeps the
 * returned ids in the caller's order.
 */
export function insertTasksStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH ${insertTasksCtes(t)}
    SELECT id, run_at FROM inserted ORDER BY id`);
}

/**
 * The same insert carrying one wake-up NOTIFY (`afterTask(1)` = channel, `afterTask(2)` = payload)
 * in its own commit, for coalesced single enqueues of one queue (see
 * EnqueueBatcher and WakeupNotifier). The `notified` CTE is read by the
 * final SELECT, so it runs exactly once whatever the number of rows.
 */
export function insertTasksNotifyingStatement(t: QueueTables): SqlStatement {
  return prepared(`
    WITH ${insertTasksCtes(t)},
    notified AS (SELECT pg_notify(${afterTask(1)}, ${afterTask(2)}) AS sent)
    SELECT inserted.id, inserted.run_at FROM inserted CROSS JOIN notified ORDER BY inserted.id`);
}

function insertTasksCtes(t: QueueTables): string {
  return `input AS (
      SELECT * FROM unnest(${taskArrays(1)}) WITH ORDINALITY AS i(${TASK_INPUT_COLUMNS}, ord)
    ), inserted AS (
      INSERT INTO ${t.tasks} (${TASK_COLUMNS})
      SELECT name, queue, args, priority, r.run_at, ${initialState('r.run_at')}, max_attempts, backoff, timeout_ms, metadata, parent_task_id, root_task_id,
        concurrency_key, key_limit
      FROM input CROSS JOIN LATERAL (SELECT ${runAtSql('input.run_at', 'input.delay_ms')} AS run_at) r
      ORDER BY ord
      RETURNING id, run_at
    )`;
}

/**
 * The task arrays of a multi-row insert (see {@link taskArrays}), in one pass.
 * A column that is NULL in every row is sent as a NULL array, which `unnest`
 * pads with NULLs like any shorter array: most batches set no run time,
 * metadata, lineage or key, and five arrays of 1,000 NULLs cost as much to
 * encode as the arguments themselves.
 */
export function insertTasksValues(tasks: readonly NewTaskRow[]): unknown[] {
  const n = tasks.length;
  const columns: unknown[][] = Array.from({ length: TASK_PARAM_COUNT }, () => new Array<unknown>(n));
  const set = new Array<boolean>(TASK_PARAM_COUNT).fill(false);
  for (let i = 0; i < n; i++) {
    const values = insertTaskValues(tasks[i]!);
    for (let c = 0; c < TASK_PARAM_COUNT; c++) {
      const value = values[c] ?? null;
      columns[c]![i] = value;
      if (value !== null) set[c] = true;
    }
  }
  return columns.map((column, c) => (set[c] ? column : null));
}
