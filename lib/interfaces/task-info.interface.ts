import type { JsonValue, TaskProgress } from './task-report.interface.js';

/**
 * States a task moves through. Transitions are made only by the statements in
 * `lib/persistence/sql/`, each guarded by the state it leaves:
 *
 * ```
 * blocked ──last parent done──▶ scheduled / pending     (a parent failed or was cancelled: failed / cancelled / released, per onParentFailure)
 * scheduled ──due (promoted)──▶ pending ──claim──▶ running ──complete──▶ completed
 *     ▲                           ▲                   │ ──fail (no attempts left / NonRetryableError)──▶ failed
 *     └──retry after a backoff────┼───────────────────┤ ──cancel requested, then the handler settles──▶ cancelled
 *                                 └──rescue/release/retry at once──┘
 * scheduled / pending / blocked ──cancel──▶ cancelled
 * ```
 * A task added with a delay (or a `runAt` in the future) starts `scheduled`;
 * one due at once starts `pending`; one with parents not finished yet starts
 * `blocked`. A handler that throws `SnoozeTask` takes its running task back
 * to `scheduled` (`pending` for a delay of 0) with its attempt given back.
 */
export type TaskState = 'scheduled' | 'pending' | 'blocked' | 'running' | 'completed' | 'failed' | 'cancelled';

/**
 * What a cancel did: `cancelled` (the task was waiting and never runs),
 * `requested` (it is running; its signal fires and it ends `cancelled` unless
 * its completion commits first), `finished` (it had already ended).
 */
export type CancelOutcome = 'cancelled' | 'requested' | 'finished';

/** Which unfinished tasks `TaskQueue.cancelWhere` cancels: by name and/or queue, among some states. */
export interface CancelFilter {
  /** Registered task name. */
  name?: string;
  queue?: string;
  /** @default every unfinished state: ['scheduled', 'pending', 'blocked', 'running'] */
  states?: readonly ('scheduled' | 'pending' | 'blocked' | 'running')[];
}

/** States a task never leaves. */
export const FINISHED_STATES: readonly TaskState[] = ['completed', 'failed', 'cancelled'];

/**
 * One snooze: the handler threw `SnoozeTask` and its attempt was given back.
 * Times are the database's.
 */
export interface TaskSnooze {
  /** The attempt that snoozed; the next run has the same number, since a snooze spends none. */
  attempt: number;
  /** The delay the handler asked for. */
  delayMs: number;
  /** When the snooze was recorded (ISO 8601). */
  at: string;
  /** When the task was due again (ISO 8601): `at` plus `delayMs`. */
  runAt: string;
}

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
  /** One entry per snooze, oldest first. A snooze is not a failure: it never appears in `errors`. */
  snoozes: TaskSnooze[];
  /** Attempts spent so far (an attempt whose handler never started, or that snoozed, is given back). */
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
  /** When a cancel was requested (it may still be running until its handler stops); null if never. */
  cancelRequestedAt: Date | null;
  /** Ids of the tasks it depends on, in `dependsOn` order. */
  parents: string[];
  /** Ids of the tasks that depend on it. */
  children: string[];
  /** The last progress it reported, or null. */
  progress: TaskProgress | null;
  /** Its key/value context (empty when it set none). */
  context: Record<string, JsonValue>;
  /** Metadata given at `add`, merged with that of the task that added it (empty when none). */
  metadata: Record<string, JsonValue>;
  /** The task whose handler added it, or null. */
  parentTaskId: string | null;
  /** The first task of the chain that added it, or null. */
  rootTaskId: string | null;
  /** The `concurrencyKey` it was added with, or null. */
  concurrencyKey: string | null;
}

/** A parent as `currentTask().parents()` reads it. */
export interface ParentTaskInfo {
  id: string;
  name: string;
  state: TaskState;
  /** Its result when it completed, else null. */
  result: unknown;
}
