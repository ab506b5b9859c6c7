import { EntitySchema } from 'typeorm';
import { DEFAULT_SCHEMA } from '../../queued-tasks.constants.js';
import type { TaskAttemptError, TaskState } from '../../interfaces/task-info.interface.js';
import type { BackoffOptions } from '../../interfaces/backoff.interface.js';

/** A row of the tasks table, as TypeORM maps it. */
export interface TaskRecord {
  id: string;
  name: string;
  queue: string;
  state: TaskState;
  args: unknown[];
  result: unknown;
  /** The task's history: failed attempts, and snoozes (entries with `kind: 'snooze'`, `delayMs` and `runAt`; `TaskInfo` lists them apart). */
  errors: TaskAttemptError[];
  priority: number;
  runAt: Date;
  attempts: number;
  maxAttempts: number;
  backoff: BackoffOptions | null;
  timeoutMs: number | null;
  workerId: string | null;
  rescues: number;
  /** The unique, debounce or throttle key the task was added with; null without one, and once an add released its lapsed hold. */
  uniqueKey: string | null;
  /** 'unique', 'debounce' or 'throttle' for a task added with a key, else null. */
  uniqueKind: string | null;
  /** Until when the key is held whatever the task's state (unique scope 'any', throttle), or null. */
  uniqueUntil: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  cancelRequestedAt: Date | null;
  pendingParents: number;
  onParentFailure: string | null;
  hasChildren: boolean;
  /** The last progress the task reported: `{ value, message?, data?, at }`, or null. */
  progress: { value: number; message?: string; data?: unknown; at: string } | null;
  /** The task's key/value context, or null before it set any. */
  context: Record<string, unknown> | null;
  /** Metadata given at `add` (merged with that of the task that added it), or null. */
  metadata: Record<string, unknown> | null;
  /** The task whose handler added this one, or null. */
  parentTaskId: string | null;
  /** The first task of the chain of tasks that added this one, or null for a task added from outside any task. */
  rootTaskId: string | null;
  /** The concurrency key the task counts against in its queue, or null. */
  concurrencyKey: string | null;
  /** Tasks of its key that may run at once, from its definition's `keyConcurrency`; null: the queue's limit, else 1. */
  keyLimit: number | null;
}

/**
 * TypeORM entity of the tasks table in `schema`, for applications that want
 * to query tasks through their own repositories. The queue itself runs the
 * statements in `lib/persistence/sql/`. The table is created by the
 * migrations, never by `synchronize`.
 */
export function createTaskEntity(schema: string = DEFAULT_SCHEMA): EntitySchema<TaskRecord> {
  return new EntitySchema<TaskRecord>({
    name: `QueuedTask:${schema}`,
    tableName: 'tasks',
    schema,
    synchronize: false,
    columns: {
      id: { type: 'bigint', primary: true, generated: 'increment' },
      name: { type: 'text' },
      queue: { type: 'text', default: 'default' },
      state: { type: 'text', default: 'pending' },
      args: { type: 'jsonb', default: [] },
      result: { type: 'jsonb', nullable: true },
      errors: { type: 'jsonb', default: [] },
      priority: { type: 'integer', default: 0 },
      runAt: { name: 'run_at', type: 'timestamptz' },
      attempts: { type: 'integer', default: 0 },
      maxAttempts: { name: 'max_attempts', type: 'integer', default: 3 },
      backoff: { type: 'jsonb', nullable: true },
      timeoutMs: { name: 'timeout_ms', type: 'integer', nullable: true },
      workerId: { name: 'worker_id', type: 'uuid', nullable: true },
      rescues: { type: 'integer', default: 0 },
      uniqueKey: { name: 'unique_key', type: 'text', nullable: true },
      uniqueKind: { name: 'unique_kind', type: 'text', nullable: true },
      uniqueUntil: { name: 'unique_until', type: 'timestamptz', nullable: true },
      createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
      startedAt: { name: 'started_at', type: 'timestamptz', nullable: true },
      finishedAt: { name: 'finished_at', type: 'timestamptz', nullable: true },
      cancelRequestedAt: { name: 'cancel_requested_at', type: 'timestamptz', nullable: true },
      pendingParents: { name: 'pending_parents', type: 'integer', default: 0 },
      onParentFailure: { name: 'on_parent_failure', type: 'text', nullable: true },
      hasChildren: { name: 'has_children', type: 'boolean', default: false },
      progress: { type: 'jsonb', nullable: true },
      context: { type: 'jsonb', nullable: true },
      metadata: { type: 'jsonb', nullable: true },
      parentTaskId: { name: 'parent_task_id', type: 'bigint', nullable: true },
      rootTaskId: { name: 'root_task_id', type: 'bigint', nullable: true },
      concurrencyKey: { name: 'concurrency_key', type: 'text', nullable: true },
      keyLimit: { name: 'key_limit', type: 'integer', nullable: true },
    },
  });
}
