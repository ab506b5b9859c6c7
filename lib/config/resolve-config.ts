import {
  DEFAULT_HEARTBEAT_RATIO,
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_PREFETCH,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_SCHEMA,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_WORKER_CONCURRENCY,
} from '../queued-tasks.constants.js';
import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';
import type { QueuedTasksModuleOptions } from '../interfaces/queued-tasks-options.interface.js';
import { quoteIdentifier } from '../persistence/quote-identifier.js';
import { validateExecutionOptions } from '../queue/validate-task-options.js';
import type { ResolvedQueuedTasksConfig } from './resolved-config.js';

/** Applies defaults to the module options and rejects values the queue cannot run with. */
export function resolveConfig(options: QueuedTasksModuleOptions): ResolvedQueuedTasksConfig {
  if (options.connection && options.dataSource) {
    throw new InvalidModuleOptionsError('pass either `connection` or `dataSource`, not both');
  }
  if (!options.connection && !options.dataSource) {
    throw new InvalidModuleOptionsError('pass `connection` (for example { url: process.env.DATABASE_URL }) or `dataSource`');
  }
  const schema = options.schema ?? DEFAULT_SCHEMA;
  quoteIdentifier(schema);
  if (schema.length > 50) throw new InvalidModuleOptionsError('schema names are limited to 50 characters');

  const worker = options.worker ?? {};
  const concurrency = worker.concurrency ?? DEFAULT_WORKER_CONCURRENCY;
  const leaseMs = worker.leaseMs ?? DEFAULT_LEASE_MS;
  const resolved: ResolvedQueuedTasksConfig = {
    connection: options.connection ?? null,
    dataSource: options.dataSource ?? null,
    schema,
    migrationsRun: options.migrationsRun ?? true,
    worker: {
      enabled: worker.enabled ?? true,
      concurrency,
      queues: worker.queues && worker.queues.length > 0 ? [...new Set(worker.queues)] : null,
      shutdownTimeoutMs: worker.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
      pollIntervalMs: worker.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      leaseMs,
      heartbeatIntervalMs: worker.heartbeatIntervalMs ?? Math.round(leaseMs * DEFAULT_HEARTBEAT_RATIO),
      rescueIntervalMs: worker.rescueIntervalMs ?? Math.round(leaseMs / 2),
      prefetch: worker.prefetch ?? DEFAULT_MAX_PREFETCH,
    },
    defaults: options.defaults ?? {},
  };
  const w = resolved.worker;
  requireInteger('worker.concurrency', w.concurrency, 1);
  requireInteger('worker.prefetch', w.prefetch, 0);
  requireInteger('worker.shutdownTimeoutMs', w.shutdownTimeoutMs, 0);
  requireInteger('worker.pollIntervalMs', w.pollIntervalMs, 10);
  requireInteger('worker.leaseMs', w.leaseMs, 100);
  requireInteger('worker.heartbeatIntervalMs', w.heartbeatIntervalMs, 10);
  requireInteger('worker.rescueIntervalMs', w.rescueIntervalMs, 10);
  if (w.heartbeatIntervalMs >= w.leaseMs) {
    throw new InvalidModuleOptionsError('worker.heartbeatIntervalMs must be shorter than worker.leaseMs');
  }
  validateExecutionOptions(resolved.defaults, 'defaults.');
  return resolved;
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidModuleOptionsError(`${name} must be an integer ≥ ${min} (got ${value})`);
  }
}
