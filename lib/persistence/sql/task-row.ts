import type { BackoffOptions } from '../../interfaces/backoff.interface.js';
import type { TaskAttemptError, TaskState } from '../../interfaces/task-info.interface.js';

/**
 * A snooze as `errors` stores it (see snooze-task.sql.ts): shaped like a
 * failure too, so a reader that knows nothing of snoozes shows it sensibly.
 */
export interface StoredSnooze extends TaskAttemptError {
  kind: 'snooze';
  delayMs: number;
  runAt: string;
}

/** An entry of the `errors` column, the task's history: a failed attempt or a snooze. */
export type TaskHistoryEntry = TaskAttemptError | StoredSnooze;

/** Columns of a task as statements return them (snake_case, ids as strings since bigint exceeds JS numbers). */
export interface TaskRow {
  id: string;
  name: string;
  queue: string;
  state: TaskState;
  args: unknown[];
  result: unknown;
  errors: TaskHistoryEntry[];
  priority: number;
  run_at: Date;
  attempts: number;
  max_attempts: number;
  backoff: BackoffOptions | null;
  timeout_ms: number | null;
  worker_id: string | null;
  rescues: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  /** Read by `get` only. */
  cancel_requested_at?: Date | null;
  parent_ids?: string[];
  child_ids?: string[];
  progress?: { value: number; message?: string; data?: unknown; at: number } | null;
  context?: Record<string, unknown> | null;
  metadata?: Record<string, unknown> | null;
  parent_task_id?: string | null;
  root_task_id?: string | null;
  concurrency_key?: string | null;
}

/** A task as a claim hands it to the worker: only what running it needs. */
export type ClaimedTaskRow = Pick<TaskRow, 'id' | 'name' | 'queue' | 'args' | 'priority' | 'attempts' | 'max_attempts' | 'timeout_ms'> & {
  /** `run_at` in epoch ms: a float parses far faster than a timestamp into a Date, hundreds of times per claim. */
  run_at_ms: number;
  /** `[metadata, parentTaskId, rootTaskId, context]` (the context stored by earlier attempts), or null when all are. */
  lineage?: [Record<string, unknown> | null, string | null, string | null, Record<string, unknown> | null] | null;
};
