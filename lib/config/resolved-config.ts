import type { DataSource } from 'typeorm';
import type { QueuedTasksConnectionOptions } from '../interfaces/queued-tasks-options.interface.js';
import type { TaskExecutionOptions } from '../interfaces/task-options.interface.js';

/** Worker settings with every default filled in. */
export interface ResolvedWorkerConfig {
  enabled: boolean;
  concurrency: number;
  queues: string[] | null;
  shutdownTimeoutMs: number;
  pollIntervalMs: number;
  leaseMs: number;
  heartbeatIntervalMs: number;
  rescueIntervalMs: number;
  prefetch: number;
}

/** Module options after validation and defaults: what every provider reads. */
export interface ResolvedQueuedTasksConfig {
  connection: QueuedTasksConnectionOptions | null;
  dataSource: DataSource | null;
  schema: string;
  migrationsRun: boolean;
  worker: ResolvedWorkerConfig;
  defaults: TaskExecutionOptions;
}

