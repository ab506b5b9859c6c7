import type { TaskInfo } from '../interfaces/task-info.interface.js';
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
  };
}
