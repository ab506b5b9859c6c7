/**
 * Public API of nestjs-queued-tasks. Nothing else is exported.
 */
export { QueuedTasksModule } from './queued-tasks.module.js';
export type { QueuedTasksModuleExtras } from './queued-tasks.module-definition.js';
export { QueuedTask } from './decorators/queued-task.decorator.js';
export { TaskQueue } from './queue/task-queue.service.js';
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
} from '../migrations/index.js';
export { queuedTasksEntities } from './persistence/entities/worker.entity.js';
export { createTaskEntity, type TaskRecord } from './persistence/entities/task.entity.js';
export { createWorkerEntity, type WorkerRecord } from './persistence/entities/worker.entity.js';
export type {
  QueuedTasksModuleOptions,
  QueuedTasksConnectionOptions,
  QueuedTasksEmbeddedDatabaseOptions,
  QueueWorkerOptions,
  QueuedTasksWorkerOptions,
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
