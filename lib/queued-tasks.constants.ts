/**
 * Every default, token and metadata key of the module, in one place so that
 * no default is written out twice.
 */

/** Metadata key under which `@QueuedTask()` stores its options on a method. */
export const QUEUED_TASK_METADATA = 'queued-tasks:task';

/** Metadata key under which `@Schedule()` stores its schedules (a list: several may decorate one method) on a method. */
export const SCHEDULE_METADATA = 'queued-tasks:schedules';

/** Schedules: slots less than this many ms old always fire (a leader hand-over); older ones follow `missed`. */
export const DEFAULT_SCHEDULE_GRACE_MS = 60_000;
/** Schedules: what happens to slots older than the grace period. */
export const DEFAULT_MISSED_RUN_POLICY = 'once';
/** Schedules: with `missed: 'all'`, how many missed slots run at most. */
export const DEFAULT_BACKFILL_LIMIT = 100;
/** Schedules: the time zone a cron pattern is read in, the same for every instance whatever its machine's. */
export const DEFAULT_SCHEDULE_TIMEZONE = 'UTC';

/** Injection token of the resolved module options (after defaults are applied). */
export const QUEUED_TASKS_CONFIG = Symbol('QUEUED_TASKS_CONFIG');

/** Injection token of the TypeORM DataSource the queue runs on. */
export const QUEUED_TASKS_DATA_SOURCE = Symbol('QUEUED_TASKS_DATA_SOURCE');

/** Queue a task goes to when neither the call, the decorator nor the module names one. */
export const DEFAULT_QUEUE = 'default';

/** PostgreSQL schema that holds the queue's tables. */
export const DEFAULT_SCHEMA = 'queued_tasks';

export const DEFAULT_PRIORITY = 0;
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_BACKOFF = { type: 'exponential', delayMs: 1_000, maxDelayMs: 3_600_000, jitter: true } as const;

export const DEFAULT_WORKER_CONCURRENCY = 10;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;
/**
 * The polling fallback only matters when a notification is lost (listener
 * reconnecting): wake-ups and timers do the real work, so a slow poll is fine.
 */
export const DEFAULT_POLL_INTERVAL_MS = 2_000;
export const DEFAULT_LEASE_MS = 30_000;
/**
 * A tenth of the lease: with a renewal that fails retried at once, a worker
 * reaches the database again well within the lease after an outage of up to
 * 60 % of it.
 */
export const DEFAULT_HEARTBEAT_RATIO = 1 / 10;
/**
 * A worker that has not renewed its lease within this share of it (measured
 * from when it sent its last successful renewal) fences itself: it stops
 * claiming and aborts its handlers. The rest of the lease is the safety
 * margin in which handlers stop before anyone may rescue their tasks.
 */
export const FENCE_AT_LEASE_RATIO = 0.8;
/** The maintenance leader looks for dead workers' tasks this often, at most (and at most every lease / 2). */
export const DEFAULT_RESCUE_INTERVAL_MS = 5_000;
/** A task rescued this many times from workers that died holding it fails as poison. */
export const DEFAULT_MAX_RESCUES = 5;
/** Per-statement timeout of the queue's statements (claim, record, fail, release, rescue, enqueue). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;
/** Time allowed to establish a connection, at bootstrap and after. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** A handler that ignores its signal after its timeout keeps its slot and its row up to this multiple of `timeoutMs`. */
export const DEFAULT_HARD_TIMEOUT_RATIO = 2;
/** Upper bound of the adaptive prefetch buffer (see PrefetchSizer). */
export const DEFAULT_MAX_PREFETCH = 500;
/** Log lines stored per task at most (module option `logs.maxLinesPerTask`). */
export const DEFAULT_MAX_LOG_LINES_PER_TASK = 1_000;
/** Upper bound of rows claimed per statement. */
export const DEFAULT_MAX_CLAIM_BATCH = 500;

/** PostgreSQL limits a NOTIFY payload to 8000 bytes; stay well under it. */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7_000;

/** The maintenance leader prunes finished tasks this often when `retention` is set. */
export const DEFAULT_RETENTION_INTERVAL_MS = 60_000;
/**
 * Time one retention pass may spend in its batches; the next pass goes on
 * after the last task it read. Short, so that a large backlog never keeps
 * the leader's connection, or the database, busy for long.
 */
export const RETENTION_PASS_BUDGET_MS = 2_000;
/** Metadata key under which `@UseTaskInterceptors()` stores its classes on a class or a method. */
export const TASK_INTERCEPTORS_METADATA = 'queued-tasks:interceptors';

/**
 * Injection token of the running task's context (`TaskContext`, the object
 * `currentTask()` returns) in a task-scoped provider. A provider that injects
 * it is request-scoped: an instance per run, as one injecting `REQUEST` is
 * per HTTP request. Outside a run (an HTTP request) it is `undefined`.
 *
 * @example
 * ```ts
 * @Injectable({ scope: Scope.REQUEST })
 * export class TenantTasks {
 *   constructor(@Inject(TASK_CONTEXT) private readonly task: TaskContext) {}
 * }
 * ```
 */
export const TASK_CONTEXT = Symbol('TASK_CONTEXT');
/** Metadata key under which `@OnTaskEvent()` stores its subscriptions on a method. */
export const TASK_EVENT_METADATA = 'queued-tasks:task-event';

/** Metadata key under which `@OnWorkerEvent()` stores its event types on a method. */
export const WORKER_EVENT_METADATA = 'queued-tasks:worker-event';

/**
 * A process publishes its task events for `events$` at most this often, in
 * one NOTIFY: a bounded rate whatever the load, and nothing when idle.
 */
export const EVENT_PUBLISH_INTERVAL_MS = 250;
