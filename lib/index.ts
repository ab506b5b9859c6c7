/**
 * Public API of nestjs-queued-tasks. Nothing else is exported.
 */
export { QueuedTasksModule } from './queued-tasks.module.js';
export type { QueuedTasksModuleExtras } from './queued-tasks.module-definition.js';
export { QueuedTask } from './decorators/queued-task.decorator.js';
export { TaskQueue } from './queue/task-queue.service.js';
export { TaskQueues } from './queues/task-queues.service.js';
export type { QueueInfo, QueueLimits, RateLimit } from './interfaces/queue-options.interface.js';
export type { TaskRequest } from './queue/prepare-request.js';
export { FlowBuilder } from './queue/flow-builder.js';
export { FlowNode } from './queue/flow-node.js';
export { TaskRef, type TaskResultOptions } from './queue/task-ref.js';
export { WorkerStatus, type WorkerStatusSnapshot } from './worker/worker-status.js';
export { currentTask, type TaskContext } from './context/task-context.js';
export { SnoozeTask } from './worker/snooze-task.js';
export { QUEUED_TASKS_DATA_SOURCE, DEFAULT_SCHEMA, DEFAULT_QUEUE } from './queued-tasks.constants.js';
export {
  queuedTasksMigrations,
  CreateQueuedTasksTables1732147200000,
  WorkerLeases1763683200000,
  ScheduledState1764115200000,
  TaskControl1764201600000,
  UniqueKeys1764288000000,
  TaskReports1764374400000,
} from '../migrations/index.js';
export { Schedules1764547200000 } from '../migrations/index.js';
export { queuedTasksEntities } from './persistence/entities/worker.entity.js';
export { createTaskEntity, type TaskRecord } from './persistence/entities/task.entity.js';
export { createWorkerEntity, type WorkerRecord } from './persistence/entities/worker.entity.js';
export type {
  QueuedTasksModuleOptions,
  QueuedTasksConnectionOptions,
  QueuedTasksEmbeddedDatabaseOptions,
  QueueWorkerOptions,
  QueuedTasksWorkerOptions,
  QueuedTasksLogOptions,
} from './interfaces/queued-tasks-options.interface.js';
export type {
  QueuedTaskOptions,
  AddTaskOptions,
  TaskExecutionOptions,
  TaskDependency,
  OnParentFailure,
  EnqueueManyOptions,
  UniqueKeyOptions,
  DebounceOptions,
  ThrottleOptions,
} from './interfaces/task-options.interface.js';
export type { BackoffOptions } from './interfaces/backoff.interface.js';
export type {
  JsonValue,
  TaskProgress,
  TaskLogLine,
  TaskLogLevel,
  TaskLogsQuery,
  TaskLogger,
  TaskContextValues,
} from './interfaces/task-report.interface.js';
export type { TaskInfo, TaskState, TaskAttemptError, CancelOutcome, CancelFilter, ParentTaskInfo, TaskSnooze } from './interfaces/task-info.interface.js';
export type {
  QueuedTasksRegistry,
  MethodNames,
  MethodArgs,
  MethodResult,
  TaskArgsOf,
  TaskResultOf,
  TaskName,
} from './interfaces/task-registry.interface.js';
export type { NotJsonTask } from './interfaces/json-compatible.interface.js';
export * from './errors/index.js';

// Retention and purge (issue 10)
export type { QueuedTasksRetentionOptions, Duration, FinishedTaskState, PurgeOptions, PurgeResult } from './interfaces/retention-options.interface.js';
// Interceptors and task-scoped providers
export { UseTaskInterceptors } from './decorators/use-task-interceptors.decorator.js';
export type { TaskInterceptor, TaskCallHandler, TaskExecutionContext } from './interfaces/task-interceptor.interface.js';
export { TASK_CONTEXT } from './queued-tasks.constants.js';
// Task events (issue 10): @OnTaskEvent, @OnWorkerEvent, TaskQueue.events$
export { OnTaskEvent, type EventListenerDecorator } from './decorators/on-task-event.decorator.js';
export { OnWorkerEvent } from './decorators/on-worker-event.decorator.js';
export { TASK_EVENT_TYPES, WORKER_EVENT_TYPES } from './interfaces/task-event.interface.js';
export type {
  TaskEvent,
  TaskEventType,
  TaskEventOf,
  TaskEventBase,
  TaskEventError,
  TaskEventFilter,
  TaskEventStreamFilter,
  TaskEnqueuedEvent,
  TaskStartedEvent,
  TaskProgressEvent,
  TaskRetryingEvent,
  TaskCompletedEvent,
  TaskFailedEvent,
  TaskCancelledEvent,
  TaskRescuedEvent,
  WorkerEvent,
  WorkerEventType,
} from './interfaces/task-event.interface.js';
// Schedules (issue 11): @Schedule, TaskSchedules
export { Schedule } from './decorators/schedule.decorator.js';
export { TaskSchedules } from './queue/task-schedules.service.js';
export type {
  ScheduleOptions,
  ScheduleDefinition,
  ScheduleInfo,
  ScheduleRunOptions,
  ScheduleTimingOptions,
  MissedRunPolicy,
} from './interfaces/schedule-options.interface.js';
