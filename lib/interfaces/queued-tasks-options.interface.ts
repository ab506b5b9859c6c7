import type { DataSource } from 'typeorm';
import type { TaskExecutionOptions } from './task-options.interface.js';

/** Where the module connects when it owns its DataSource. */
export interface QueuedTasksConnectionOptions {
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
}

/** Settings of the workers this process runs. */
export interface QueuedTasksWorkerOptions {
  /** Run workers in this process. Set false on a web node that only enqueues. @default true */
  enabled?: boolean;
  /** Tasks run at once by this process. @default 10 */
  concurrency?: number;
  /** Queues this process serves. @default every queue */
  queues?: string[];
  /**
   * How long `app.close()` lets running tasks finish before it aborts them
   * (their AbortSignal fires) and puts them back to `pending` without spending
   * an attempt. @default 30_000
   */
  shutdownTimeoutMs?: number;
  /** Fallback poll when no notification arrives. Wake-ups normally come by LISTEN/NOTIFY. @default 2_000 */
  pollIntervalMs?: number;
  /**
   * A worker that has not heartbeated for this long is dead and its running
   * tasks are rescued (back to `pending`, or `failed` with no attempts left). @default 30_000
   */
  leaseMs?: number;
  /** How often this process heartbeats. @default leaseMs / 3 */
  heartbeatIntervalMs?: number;
  /** How often this process looks for tasks of dead workers. @default leaseMs / 2 */
  rescueIntervalMs?: number;
  /**
   * Bound of the claim-ahead buffer, so that a freed slot starts its next
   * task without a round trip and one claim statement feeds many runs. The
   * worker sizes its buffer target to about two claim round trips of work
   * (hundreds of tasks that take microseconds, none of tasks that take
   * seconds), at most this, and holds up to twice the target between claims.
   * 0 claims only for free slots.
   * @default 250
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
}
