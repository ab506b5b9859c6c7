import { AsyncLocalStorage } from 'node:async_hooks';
import type { ParentTaskInfo } from '../interfaces/task-info.interface.js';

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
