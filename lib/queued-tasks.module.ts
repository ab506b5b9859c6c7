import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QUEUED_TASKS_CONFIG, QUEUED_TASKS_DATA_SOURCE } from './queued-tasks.constants.js';
import { resolveConfig } from './config/resolve-config.js';
import { TaskExplorer } from './discovery/task-explorer.js';
import { BootstrapFailureCleanup } from './lifecycle/bootstrap-failure-cleanup.js';
import { QueuedTasksLifecycle } from './lifecycle/queued-tasks-lifecycle.js';
import { TaskMetadataAccessor } from './discovery/task-metadata.accessor.js';
import { TaskRegistry } from './discovery/task-registry.js';
import type { QueuedTasksModuleOptions } from './interfaces/queued-tasks-options.interface.js';
import { NotificationListener } from './notifications/notification-listener.js';
import { WakeupNotifier } from './notifications/wakeup-notifier.js';
import { EnqueueBatcher } from './queue/enqueue-batcher.js';
import { QueueDataSourceCloser, queueDataSourceProvider } from './persistence/queue-data-source.provider.js';
import { QueueDatabase } from './persistence/queue-database.js';
import { TaskStore } from './persistence/task-store.js';
import { QueuedTasksConfigurableModule, QUEUED_TASKS_MODULE_OPTIONS } from './queued-tasks.module-definition.js';
import { TaskQueue } from './queue/task-queue.service.js';
import { TaskResultWaiter } from './queue/task-result-waiter.js';
import { MaintenanceLeader } from './maintenance/maintenance-leader.service.js';
import { ControlConnection } from './persistence/control-connection.js';
import { TaskWorker } from './worker/task-worker.service.js';
import { WorkerStatus } from './worker/worker-status.js';

/**
 * Durable background tasks in PostgreSQL.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [QueuedTasksModule.forRoot({ connection: { url: process.env.DATABASE_URL }, worker: { concurrency: 10 } })],
 *   providers: [MailTasks],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: QUEUED_TASKS_CONFIG,
      inject: [QUEUED_TASKS_MODULE_OPTIONS],
      useFactory: (options: QueuedTasksModuleOptions) => resolveConfig(options),
    },
    queueDataSourceProvider,
    QueueDataSourceCloser,
    ControlConnection,
    QueueDatabase,
    TaskStore,
    TaskMetadataAccessor,
    TaskRegistry,
    TaskExplorer,
    NotificationListener,
    WakeupNotifier,
    EnqueueBatcher,
    TaskResultWaiter,
    TaskQueue,
    TaskWorker,
    WorkerStatus,
    MaintenanceLeader,
    BootstrapFailureCleanup,
    QueuedTasksLifecycle,
  ],
  exports: [TaskQueue, WorkerStatus, QUEUED_TASKS_DATA_SOURCE],
})
export class QueuedTasksModule extends QueuedTasksConfigurableModule {}
