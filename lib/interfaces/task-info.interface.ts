/**
 * States a task moves through. Transitions are made only by the statements in
 * `lib/persistence/sql/`, each guarded by the state it leaves:
 *
 * ```
 * scheduled ──due (promoted)──▶ pending ──claim──▶ running ──complete──▶ completed
 *     ▲                           ▲                   │ ──fail (no attempts left / NonRetryableError)──▶ failed
 *     └──retry after a backoff────┼───────────────────┤
 *                                 └──rescue/release/retry at once──┘
 * ```
 * A task added with a delay (or a `runAt` in the future) starts `scheduled`;
 * one due at once starts `pending`. `cancelled` is reserved for
 * cancellation (a later release); more states (such as `blocked` for tasks
 * waiting on parents) may be added.
 */
export type TaskState = 'scheduled' | 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

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
  /** Attempts spent so far (an attempt whose handler never started is given back). */
  attempts: number;
  maxAttempts: number;
  priority: number;
  runAt: Date;
  createdAt: Date;
  /** Start of the latest attempt, once recorded (within about 100 ms of the handler's start, or with its outcome). */
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Worker that runs (or last ran) the task. */
  workerId: string | null;
  /** Times the task was taken back from a worker whose lease ended. */
  rescues: number;
}
