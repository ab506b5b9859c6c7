import type { TaskInfo } from '../interfaces/task-info.interface.js';
import type { JsonValue, TaskProgress } from '../interfaces/task-report.interface.js';
import type { TaskRow } from '../persistence/sql/task-row.js';
import { failuresOf, snoozesOf } from './task-history.js';

export function toTaskInfo<TResult>(row: TaskRow): TaskInfo<TResult> {
  return {
    id: row.id,
    name: row.name,
    queue: row.queue,
    state: row.state,
    args: row.args,
    result: row.result as TResult | null,
    errors: failuresOf(row.errors),
    snoozes: snoozesOf(row.errors),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    priority: row.priority,
    runAt: row.run_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    workerId: row.worker_id,
    rescues: row.rescues,
    cancelRequestedAt: row.cancel_requested_at ?? null,
    parents: row.parent_ids ?? [],
    children: row.child_ids ?? [],
    progress: row.progress ? toProgress(row.progress) : null,
    context: (row.context ?? {}) as Record<string, JsonValue>,
    metadata: (row.metadata ?? {}) as Record<string, JsonValue>,
    parentTaskId: row.parent_task_id ?? null,
    rootTaskId: row.root_task_id ?? null,
    concurrencyKey: row.concurrency_key ?? null,
  };
}

/** Progress as stored (`at` in epoch ms, optional fields absent) to what `get()` answers. */
function toProgress(stored: NonNullable<TaskRow['progress']>): TaskProgress {
  const progress: TaskProgress = { value: stored.value, at: new Date(stored.at) };
  if (stored.message !== undefined) progress.message = stored.message;
  if (stored.data !== undefined) progress.data = stored.data as JsonValue;
  return progress;
}
