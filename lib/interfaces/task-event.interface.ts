/** Every type of task event, in the order a task may meet them. */
export const TASK_EVENT_TYPES = ['enqueued', 'started', 'progress', 'retrying', 'completed', 'failed', 'cancelled', 'rescued'] as const;

/** The type of a {@link TaskEvent}. */
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

/** Every type of worker event: a worker process starting, beginning to drain, and done. */
export const WORKER_EVENT_TYPES = ['started', 'draining', 'stopped'] as const;

/** The type of a {@link WorkerEvent}. */
export type WorkerEventType = (typeof WORKER_EVENT_TYPES)[number];

/** The error of a failed attempt, as events carry it (no stack: the task's history has it). */
export interface TaskEventError {
  name: string;
  message: string;
}

/** What every task event carries. */
export interface TaskEventBase {
  taskId: string;
  /** The task's registered name. */
  name: string;
  queue: string;
  /** When it happened, on the clock of the process where it happened. */
  at: Date;
}

/**
 * The task was written by `add`, `addMany` or `flow`, in this process.
 * Tasks deduplicated by a `unique`, `debounce` or `throttle` key were not
 * written and have no event.
 */
export interface TaskEnqueuedEvent extends TaskEventBase {
  type: 'enqueued';
  /**
   * True when it was written in the caller's transaction (`{ manager }`):
   * the event fires when the statement returned, and that transaction may
   * still roll back.
   */
  inTransaction: boolean;
}

/** A worker started an attempt of the task (its handler is called now). */
export interface TaskStartedEvent extends TaskEventBase {
  type: 'started';
  attempt: number;
  maxAttempts: number;
  workerId: string;
}

/** The running task reported progress (coalesced by its producer, about once a second). */
export interface TaskProgressEvent extends TaskEventBase {
  type: 'progress';
  /** 0..1. */
  value: number;
  message?: string;
  data?: unknown;
}

/** An attempt failed and the task runs again at `runAt`. */
export interface TaskRetryingEvent extends TaskEventBase {
  type: 'retrying';
  attempt: number;
  maxAttempts: number;
  error: TaskEventError;
  runAt: Date;
}

/**
 * The handler returned and its completion was queued for the worker's next
 * batched write: the row says `completed` a few milliseconds later.
 */
export interface TaskCompletedEvent extends TaskEventBase {
  type: 'completed';
  attempt: number;
  maxAttempts: number;
  /** Time spent in the handler. */
  durationMs: number;
}

/** The task failed for good: its last attempt failed, or its error was not retryable. */
export interface TaskFailedEvent extends TaskEventBase {
  type: 'failed';
  attempt: number;
  maxAttempts: number;
  error: TaskEventError;
}

/**
 * The task ended `cancelled`: by `cancel`, `cancelMany` or `cancelWhere`
 * before it ran (in the process that cancelled it), or while it ran (in the
 * worker that ran it), or at its rescue (on the maintenance leader).
 */
export interface TaskCancelledEvent extends TaskEventBase {
  type: 'cancelled';
  /** True when a worker had claimed it (its attempt was stopped, or never called its handler). */
  wasRunning: boolean;
}

/** The task's worker died (its lease ended) and the maintenance leader took it back. */
export interface TaskRescuedEvent extends TaskEventBase {
  type: 'rescued';
  /** Its attempt count after the rescue (an attempt whose start was never recorded is given back). */
  attempt: number;
  /** `pending`: it runs again; `failed`: last attempt, or poison; `cancelled`: its cancel was requested. */
  state: 'pending' | 'failed' | 'cancelled';
}

/** Any task event; narrow it on `type`. */
export type TaskEvent =
  | TaskEnqueuedEvent
  | TaskStartedEvent
  | TaskProgressEvent
  | TaskRetryingEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | TaskCancelledEvent
  | TaskRescuedEvent;

/** The event interface of a type: `TaskEventOf<'failed'>` is `TaskFailedEvent`. */
export type TaskEventOf<T extends TaskEventType> = Extract<TaskEvent, { type: T }>;

/** Which tasks' events a listener or a stream wants; a field left out matches every task. */
export interface TaskEventFilter {
  /** Task name, or any of several. */
  name?: string | readonly string[];
  /** Queue, or any of several. */
  queue?: string | readonly string[];
}

/** The filter of `TaskQueue.events$`: a {@link TaskEventFilter} and event types. */
export interface TaskEventStreamFilter<T extends TaskEventType = TaskEventType> extends TaskEventFilter {
  /** Event type, or any of several. @default every type */
  type?: T | readonly T[];
}

/** A worker process's lifecycle, fired in that process to `@OnWorkerEvent()` listeners. */
export interface WorkerEvent {
  type: WorkerEventType;
  /** The worker's id in the registry (null if it had none yet). */
  workerId: string | null;
  /** Queues it serves; null for every queue. */
  queues: string[] | null;
  concurrency: number;
  at: Date;
}
