/**
 * States a task moves through. Transitions are made only by the statements in
 * `lib/persistence/sql/`, each guarded by the state it leaves:
 *
 * ```
 * pending ──claim──▶ running ──complete──▶ completed
 *    ▲                  │ ──fail (no attempts left / NonRetryableError)──▶ failed
 *    └──retry/rescue/release──┘
 * ```
 * `cancelled` is reserved for cancellation (a later release); more states
 * (such as `blocked` for tasks waiting on parents) may be added.
 */
export type TaskState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** States a task never leaves. */
export const FINISHED_STATES: readonly TaskState[] = ['completed', 'failed', 'cancelled'];

/** One failed attempt, as kept in the task's error history. */
export interface TaskAttemptError {
  attempt: number;
  name: string;
  message: string;
  stack?: string;
  /** When the attempt failed (ISO 8601). */
  at: string;
}

/** A stored task, as `TaskQueue.get` returns it. */
export interface TaskInfo<TResult = unknown> {
  id: string;
  name: string;
  queue: string;
  state: TaskState;
  args: unknown[];
  result: TResult | null;
  /** One entry per failed attempt, oldest first. */
  errors: TaskAttemptError[];
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  priority: number;
  runAt: Date;
  createdAt: Date;
  /** Start of the latest attempt. */
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Worker that runs (or last ran) the task. */
  workerId: string | null;
}
