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
    },
  });
}
