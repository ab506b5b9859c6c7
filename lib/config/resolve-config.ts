import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_RATIO,
  DEFAULT_MAX_RESCUES,
  DEFAULT_RESCUE_INTERVAL_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_PREFETCH,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_SCHEMA,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_WORKER_CONCURRENCY,
  DEFAULT_MAX_LOG_LINES_PER_TASK,
} from '../queued-tasks.constants.js';
import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';
import type { QueuedTasksModuleOptions } from '../interfaces/queued-tasks-options.interface.js';
import { assertSchemaName } from './schema-name.js';
import { validateConnection } from './validate-connection.js';
import { validateEmbeddedConnection } from './validate-embedded-connection.js';
import { validateExecutionOptions } from './validate-task-options.js';
import type { ResolvedQueuedTasksConfig } from './resolved-config.js';
import { resolveSlotPools } from './resolve-slot-pools.js';
import { requireInteger } from './require-integer.js';
import { resolveRetention } from './resolve-retention.js';

/** Applies defaults to the module options and rejects values the queue cannot run with. */
export function resolveConfig(options: QueuedTasksModuleOptions): ResolvedQueuedTasksConfig {
  if (options.connection && options.dataSource) {
    throw new InvalidModuleOptionsError('pass either `connection` or `dataSource`, not both');
  }
  if (!options.connection && !options.dataSource) {
    throw new InvalidModuleOptionsError('pass `connection` (for example { url: process.env.DATABASE_URL }) or `dataSource`');
  }
  if (options.connection?.embedded !== undefined) validateEmbeddedConnection(options.connection);
  else if (options.connection !== undefined) validateConnection(options.connection);
  const schema = options.schema ?? DEFAULT_SCHEMA;
  assertSchemaName(schema);

  const worker = options.worker ?? {};
  const concurrency = worker.concurrency ?? DEFAULT_WORKER_CONCURRENCY;
  const leaseMs = worker.leaseMs ?? DEFAULT_LEASE_MS;
  requireInteger('worker.concurrency', concurrency, 1);
  const slotPools = resolveSlotPools(worker.queues, concurrency);
  const served = slotPools.flatMap((pool) => pool.queues);
  const resolved: ResolvedQueuedTasksConfig = {
    connection: options.connection ?? null,
    dataSource: options.dataSource ?? null,
    schema,
    connectTimeoutMs: options.connection?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    migrationsRun: options.migrationsRun ?? true,
    interceptors: options.interceptors ?? [],
    worker: {
      enabled: worker.enabled ?? true,
      concurrency: slotPools.reduce((sum, pool) => sum + pool.concurrency, 0),
      queues: served.includes(null) ? null : (served as string[]),
      slotPools,
      shutdownTimeoutMs: worker.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
      pollIntervalMs: worker.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      leaseMs,
      heartbeatIntervalMs: worker.heartbeatIntervalMs ?? Math.round(leaseMs * DEFAULT_HEARTBEAT_RATIO),
      rescueIntervalMs: worker.rescueIntervalMs ?? Math.min(DEFAULT_RESCUE_INTERVAL_MS, Math.round(leaseMs / 2)),
      maxRescues: worker.maxRescues ?? DEFAULT_MAX_RESCUES,
      statementTimeoutMs: worker.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      prefetch: worker.prefetch ?? DEFAULT_MAX_PREFETCH,
    },
    defaults: options.defaults ?? {},
    logs: { maxLinesPerTask: options.logs?.maxLinesPerTask ?? DEFAULT_MAX_LOG_LINES_PER_TASK },
    retention: resolveRetention(options.retention),
  };
  requireInteger('logs.maxLinesPerTask', resolved.logs.maxLinesPerTask, 1, 1_000_000);
  const w = resolved.worker;
  requireInteger('worker.prefetch', w.prefetch, 0);
  requireInteger('worker.shutdownTimeoutMs', w.shutdownTimeoutMs, 0);
  requireInteger('worker.pollIntervalMs', w.pollIntervalMs, 10);
  requireInteger('worker.leaseMs', w.leaseMs, 100);
  requireInteger('worker.heartbeatIntervalMs', w.heartbeatIntervalMs, 10);
  requireInteger('worker.rescueIntervalMs', w.rescueIntervalMs, 10);
  requireInteger('worker.maxRescues', w.maxRescues, 1);
  requireInteger('worker.statementTimeoutMs', w.statementTimeoutMs, 100);
  requireInteger('connection.connectTimeoutMs', resolved.connectTimeoutMs, 100);
  // A worker fences itself when it has not renewed within 80 % of its lease:
  // renewals must come often enough that one failing leaves room for another.
  if (w.heartbeatIntervalMs * 3 > w.leaseMs) {
    throw new InvalidModuleOptionsError(
      `worker.heartbeatIntervalMs (${w.heartbeatIntervalMs}) must be at most a third of worker.leaseMs (${w.leaseMs})`,
    );
  }
  validateExecutionOptions(resolved.defaults, 'the module defaults');
  return resolved;
}
