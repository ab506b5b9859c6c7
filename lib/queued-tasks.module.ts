import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QUEUED_TASKS_CONFIG, QUEUED_TASKS_DATA_SOURCE, TASK_CONTEXT } from './queued-tasks.constants.js';
import { resolveConfig } from './config/resolve-config.js';
import { taskContextProvider } from './context/task-context.provider.js';
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
import { KeyedQueues } from './persistence/keyed-queues.js';
import { TaskReportStore } from './persistence/task-report-store.js';
import { QueuedTasksConfigurableModule, QUEUED_TASKS_MODULE_OPTIONS } from './queued-tasks.module-definition.js';
import { TaskQueue } from './queue/task-queue.service.js';
import { TaskQueues } from './queues/task-queues.service.js';
import { TaskResultWaiter } from './queue/task-result-waiter.js';
import { MaintenanceLeader } from './maintenance/maintenance-leader.service.js';
import { RetentionPass } from './maintenance/retention-pass.js';
import { RetentionStore } from './persistence/retention-store.js';
import { ControlConnection } from './persistence/control-connection.js';
import { TaskWorker } from './worker/task-worker.service.js';
import { WorkerStatus } from './worker/worker-status.js';
import { EventListenerExplorer } from './events/event-listener-explorer.js';
import { EventMetadataAccessor } from './events/event-metadata.accessor.js';
import { QueueEvents } from './events/queue-events.js';
import { TaskEventBus } from './events/task-event-bus.js';
import { TaskEventPublisher } from './events/task-event-publisher.js';
import { TaskEventStream } from './events/task-event-stream.js';
import { ScheduleExplorer } from './discovery/schedule-explorer.js';
import { ScheduleFirer } from './maintenance/schedule-firer.js';
import { ScheduleStore } from './persistence/schedule-store.js';
import { TaskSchedules } from './queue/task-schedules.service.js';

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
    KeyedQueues,
    TaskReportStore,
    TaskMetadataAccessor,
    TaskRegistry,
    TaskExplorer,
    NotificationListener,
    WakeupNotifier,
    EnqueueBatcher,
    TaskResultWaiter,
    TaskQueue,
    TaskQueues,
    TaskWorker,
    WorkerStatus,
    MaintenanceLeader,
    RetentionStore,
    RetentionPass,
    BootstrapFailureCleanup,
    QueuedTasksLifecycle,
    taskContextProvider,
    EventMetadataAccessor,
    EventListenerExplorer,
    TaskEventPublisher,
    TaskEventBus,
    TaskEventStream,
    QueueEvents,
    ScheduleStore,
    ScheduleExplorer,
    ScheduleFirer,
    TaskSchedules,
  ],
  exports: [TaskQueue, TaskQueues, TaskSchedules, WorkerStatus, QUEUED_TASKS_DATA_SOURCE, TASK_CONTEXT],
})
export class QueuedTasksModule extends QueuedTasksConfigurableModule {}
