import type { EntityManager } from 'typeorm';
import type { BackoffOptions } from './backoff.interface.js';

/**
 * Options a task can carry. Set them on `@QueuedTask()`, as module
 * `defaults`, or per call of `TaskQueue.add`: the call wins over the
 * decorator, which wins over the module defaults.
 */
export interface TaskExecutionOptions {
  /** Queue the task goes to; workers can be limited to some queues. @default 'default' */
  queue?: string;
  /** Higher runs first; equal priorities run in the order they became due. @default 0 */
  priority?: number;
  /** Attempts before the task ends `failed` (the first run counts). Must be ≥ 1. @default 3 */
  maxAttempts?: number;
  /** Delay between attempts. @default { type: 'exponential', delayMs: 1000, maxDelayMs: 3_600_000, jitter: true } */
  backoff?: BackoffOptions;
  /** Abort an attempt (its AbortSignal fires) and count it as failed after this many ms. @default none */
  timeoutMs?: number;
}

/** Options of `@QueuedTask()`. */
export interface QueuedTaskOptions extends TaskExecutionOptions {
  /**
   * When an attempt passes its `timeoutMs`, its signal fires and the worker
   * waits for the handler to return or throw before it records the failure
   * and schedules the retry: the task is never run twice at once. A handler
   * that ignores its signal keeps its slot and its task up to this many ms
   * after its start; then the failure is recorded and the retry may run
   * elsewhere while it still runs (its late writes are refused), and its slot
   * stays taken until it returns. @default 2 × timeoutMs
   */
  hardTimeoutMs?: number;
  /**
   * Name the task is stored and enqueued under. Must be unique in the application
   * and stable across deploys, since stored tasks refer to it.
   * @default `${ClassName}.${methodName}`
   */
  name?: string;
  /**
   * Tasks of one `concurrencyKey` (see AddTaskOptions) that run at once,
   * over every worker, for tasks of this definition added with a key. Set on
   * the definition only, not per add: every task of a key should agree on
   * its limit. Without it, the queue's key limit applies (set with
   * `TaskQueues.configure`), else 1. No effect on tasks added without a key.
   * @default the queue's, else 1
   * @example
   * ```ts
   * @QueuedTask({ queue: 'billing', keyConcurrency: 1 })
   * async charge(customerId: string, amount: number) { ... }
   * // await tasks.add(Billing, 'charge', [id, 10], { concurrencyKey: `customer:${id}` });
   * ```
   */
  keyConcurrency?: number;
}

/**
 * A parent named in `dependsOn`: a `TaskRef` (or anything with its `id`), a
 * task id, or, inside `TaskQueue.flow`, a node of the same flow.
 */
export type TaskDependency = string | { readonly id: string } | { readonly flowNode: number };

/** What a child does when a parent it depends on ends `failed` or `cancelled`. */
export type OnParentFailure = 'fail' | 'cancel' | 'run';

/**
 * A unique key: while a task holds it, adding the same task with the same key
 * writes nothing and returns the holder's ref (`deduplicated: true`).
 * Keys are scoped by task name: two different tasks never share one.
 */
export interface UniqueKeyOptions {
  /** 1 to 255 characters, no control characters. */
  key: string;
  /**
   * `'active'`: the task holds its key from `add` until it finishes (retries included).
   * `'any'`: it also holds it once finished, until `ttlMs` after it was added.
   * @default 'active'
   */
  scope?: 'active' | 'any';
  /** With scope `'any'` (and required by it): ms after the add during which even a finished task holds the key. */
  ttlMs?: number;
}

/**
 * A debounce key: one not-yet-started task per key. Each call with the key
 * moves that task's run time to `delayMs` from now and replaces its
 * arguments; once the task has started, the next call makes a new one.
 */
export interface DebounceOptions {
  /** 1 to 255 characters, no control characters. Scoped by task name. */
  key: string;
  /** The task runs this many ms after the latest call. Exclusive with `delayMs` and `runAt` of the call. */
  delayMs: number;
}

/**
 * A throttle key: at most one task per key per period, the period starting
 * at the add that was accepted. Calls within it return that task's ref.
 */
export interface ThrottleOptions {
  /** 1 to 255 characters, no control characters. Scoped by task name. */
  key: string;
  /** Length of the period, in ms. */
  periodMs: number;
}

/** Options of one `TaskQueue.add` call. */
export interface AddTaskOptions extends TaskExecutionOptions {
  /** Run no sooner than this many ms from now. Exclusive with `runAt`. */
  delayMs?: number;
  /** Run no sooner than this moment. Exclusive with `delayMs`. */
  runAt?: Date;
  /** At most one task holding this key (see {@link UniqueKeyOptions}). Exclusive with `debounce` and `throttle`. */
  unique?: UniqueKeyOptions;
  /**
   * A key whose tasks run at most `keyConcurrency` at a time (of the task's
   * definition, else of the queue, else 1) over every worker: one customer's
   * charges one after another, while other customers' run beside them.
   * Scoped by queue: tasks of different names in one queue share a key's
   * limit. 1 to 255 characters, no control characters. Its first use in a
   * queue marks the queue keyed, and tasks of a keyed queue are claimed one
   * claim at a time, under a lock (see the README's "Limits").
   */
  concurrencyKey?: string;
  /** Collapse calls into one later run (see {@link DebounceOptions}). Exclusive with `unique` and `throttle`. */
  debounce?: DebounceOptions;
  /** At most one task per period (see {@link ThrottleOptions}). Exclusive with `unique` and `debounce`. */
  throttle?: ThrottleOptions;
  /**
   * Parents this task waits for (fan-in): it stays `blocked` until every one
   * of them completed, and is released in the transaction of the last one's
   * completion. Finished parents count at once. Up to 1,000 parents.
   */
  dependsOn?: readonly TaskDependency[];
  /**
   * When a parent ends `failed` or `cancelled`: `'fail'` ends this task
   * `failed` (a ParentFailedError in its history), `'cancel'` ends it
   * `cancelled`, `'run'` counts that parent as done (`parents()` tells how
   * each ended). Cascades down the graph. @default 'fail'
   */
  onParentFailure?: OnParentFailure;
  /**
   * JSON key/values stored with the task (up to 16 KiB), readable in its
   * handler as `currentTask()?.metadata`, and copied to every task added from
   * inside that handler, merged under the child's own (tenant, request id,
   * trace id…).
   */
  metadata?: Record<string, unknown>;
  /**
   * Enqueue in this TypeORM transaction: the task exists if and only if it
   * commits, and workers hear of it at commit. The manager must be the one
   * `dataSource.transaction(async (manager) => …)` passes, on the queue's
   * database (the app's DataSource or another connection to the same
   * database and schema). Not stored with the task.
   */
  manager?: EntityManager;
}

/** Options of a whole `addMany` or `flow` call. */
export interface EnqueueManyOptions {
  /** Enqueue in this TypeORM transaction (see AddTaskOptions.manager). */
  manager?: EntityManager;
}
