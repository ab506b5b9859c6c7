import type { DataSource } from 'typeorm';
import type { QueuedTasksConnectionOptions } from '../interfaces/queued-tasks-options.interface.js';
import type { TaskExecutionOptions } from '../interfaces/task-options.interface.js';
import type { ResolvedRetentionConfig } from './resolve-retention.js';

/**
 * Slots shared by some producers: `concurrency` tasks at once among the
 * queues listed (null: one producer for every queue).
 */
export interface ResolvedSlotPool {
  concurrency: number;
  queues: (string | null)[];
}

/** Worker settings with every default filled in. */
export interface ResolvedWorkerConfig {
  enabled: boolean;
  /** Tasks run at once by the whole process: the sum of its pools. */
  concurrency: number;
  /** Queues served, or null for every queue. */
  queues: string[] | null;
  /** One pool for every queue or a list of queues; one per queue when each has its own concurrency. */
  slotPools: ResolvedSlotPool[];
  shutdownTimeoutMs: number;
  pollIntervalMs: number;
  leaseMs: number;
  heartbeatIntervalMs: number;
  rescueIntervalMs: number;
  maxRescues: number;
  statementTimeoutMs: number;
  prefetch: number;
}

/** Module options after validation and defaults: what every provider reads. */
export interface ResolvedQueuedTasksConfig {
  connection: QueuedTasksConnectionOptions | null;
  dataSource: DataSource | null;
  schema: string;
  connectTimeoutMs: number;
  migrationsRun: boolean;
  /** As given: the explorer validates them, naming the bad one (InvalidTaskInterceptorError). */
  interceptors: readonly unknown[];
  worker: ResolvedWorkerConfig;
  defaults: TaskExecutionOptions;
  logs: { maxLinesPerTask: number };
  retention: ResolvedRetentionConfig;
}

