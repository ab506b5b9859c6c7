import { AsyncLocalStorage } from 'node:async_hooks';
import type { ParentTaskInfo } from '../interfaces/task-info.interface.js';
import type { JsonValue, TaskContextValues, TaskLogger } from '../interfaces/task-report.interface.js';

/** What a running handler can know about its task, without a change to its arguments. */
export interface TaskContext {
  id: string;
  name: string;
  queue: string;
  /** 1 for the first run, 2 for the first retry, and so on. */
  attempt: number;
  maxAttempts: number;
  /**
   * Fires when the attempt must stop: its `timeoutMs` passed, or the worker is
   * shutting down and its grace period ran out. Pass it to fetch, streams,
   * child processes, or check `signal.aborted` in loops.
   */
  signal: AbortSignal;
  /** Id of the worker process running the attempt. */
  workerId: string;
  /**
   * The tasks this one depends on (`dependsOn`), in that order, with how each
   * ended: under `onParentFailure: 'run'` some may have failed or been
   * cancelled. Empty for a task without parents.
   */
  parents(): Promise<ParentTaskInfo[]>;
  /**
   * The results of its parents, in `dependsOn` order; `undefined` in the place
   * of a parent that did not complete (see {@link parents} for why). Name the
   * tuple type: `parentResults<[Extract, Extract]>()`.
   */
  parentResults<T extends unknown[] = unknown[]>(): Promise<{ [K in keyof T]: T[K] | undefined }>;
  /**
   * Metadata given at `add`, merged over that of the task whose handler added
   * this one (its own keys win). A task added from inside this handler
   * inherits it the same way. Empty when none was given.
   */
  readonly metadata: Readonly<Record<string, JsonValue>>;
  /** The task whose handler added this one, or null (lineage, not a dependency: see `dependsOn` for waiting). */
  readonly parentTaskId: string | null;
  /** The first task of the chain of tasks that added this one, or null when it was added from outside any task. */
  readonly rootTaskId: string | null;
  /** The task's own log, stored with it (see {@link TaskLogger}). */
  readonly log: TaskLogger;
  /** The task's key/value context, stored with it (see {@link TaskContextValues}). */
  readonly context: TaskContextValues;
  /**
   * Reports progress: `value` from 0 to 1, an optional message and JSON data.
   * Costs no round trip: the last value is written at most about once a
   * second, and always by the time the attempt is recorded. Resolves at once.
   *
   * @throws InvalidTaskReportError for a value outside 0..1 or not finite, or a message or data past its limit;
   *   TaskSerializationError for data that is not JSON. Thrown by the call itself, not through the promise.
   */
  progress(value: number, message?: string, data?: unknown): Promise<void>;
}

const storage = new AsyncLocalStorage<TaskContext>();

/**
 * The context of the task whose handler is running, anywhere in its call tree
 * (services it calls included); undefined outside a task, for example when a
 * unit test calls the handler method itself. Read it with `?.` so that such a
 * call still works.
 *
 * @example
 * ```ts
 * @QueuedTask({ name: 'report.build', timeoutMs: 60_000 })
 * async build(reportId: string) {
 *   const signal = currentTask()?.signal;   // undefined when called outside a worker
 *   await fetch(url, { signal });
 * }
 * ```
 */
export function currentTask(): TaskContext | undefined {
  return storage.getStore();
}

/** @internal Runs a handler inside its task's context. */
export function runInTaskContext<T>(context: TaskContext, run: () => T): T {
  return storage.run(context, run);
}
