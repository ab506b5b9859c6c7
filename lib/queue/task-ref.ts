import { describeValue, MAX_INT } from '../config/require-integer.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { TaskCancelledError } from '../errors/task-cancelled.error.js';
import { TaskFailedError } from '../errors/task-failed.error.js';
import { TaskNotFoundError } from '../errors/task-not-found.error.js';
import type { CancelOutcome, TaskInfo, TaskState } from '../interfaces/task-info.interface.js';
import type { TaskStore } from '../persistence/task-store.js';
import type { TaskResultWaiter } from './task-result-waiter.js';
import { withPublicErrors } from './public-error.js';
import { failuresOf } from './task-history.js';
import { toTaskInfo } from './to-task-info.js';

/** Options of {@link TaskRef.result}. */
export interface TaskResultOptions {
  /** Give up waiting (with TaskResultTimeoutError) after this many ms; the task itself goes on. @default wait forever */
  timeoutMs?: number;
}

/**
 * A handle on a stored task, returned by `TaskQueue.add`. It holds only the
 * id: every method reads the database, so a ref is valid in any process and
 * after any restart (rebuild one with `TaskQueue.ref(id)`).
 */
export class TaskRef<TResult = unknown> {
  /** @internal */
  constructor(
    /** Stable id of the task, safe in URLs. */
    readonly id: string,
    /** Registered name of the task. */
    readonly name: string,
    private readonly store: TaskStore,
    private readonly waiter: TaskResultWaiter,
    /**
     * True when the `add` that returned this ref wrote no task because the
     * task it refers to held the call's unique, debounce or throttle key (a
     * debounce moved that task's run time and replaced its arguments). False
     * for a new task, and for a ref from `TaskQueue.ref()`.
     */
    readonly deduplicated = false,
  ) {}

  /** The task's current state. @throws TaskNotFoundError */
  async status(): Promise<TaskState> {
    return (await this.info()).state;
  }

  /** Everything stored about the task. @throws TaskNotFoundError */
  async info(): Promise<TaskInfo<TResult>> {
    const row = await withPublicErrors(() => this.store.getTask(this.id));
    if (!row) throw new TaskNotFoundError(this.id);
    return toTaskInfo<TResult>(row);
  }

  /**
   * Waits for the task to finish and returns its result. Woken by a
   * notification, not by polling.
   *
   * @throws TaskFailedError when it ended `failed` (with every attempt's error)
   * @throws TaskCancelledError when it was cancelled
   * @throws TaskResultTimeoutError when `timeoutMs` passed first
   * @throws InvalidTaskOptionsError when `timeoutMs` is not an integer from 0 to 2,147,483,647
   */
  async result(options: TaskResultOptions = {}): Promise<TResult> {
    const { timeoutMs } = options ?? {};
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_INT)) {
      throw new InvalidTaskOptionsError('timeoutMs', `must be an integer between 0 and ${MAX_INT} (got ${describeValue(timeoutMs)})`, 'result()');
    }
    const outcome = await withPublicErrors(() => this.waiter.wait(this.id, timeoutMs));
    if (outcome.state === 'completed') return outcome.result as TResult;
    if (outcome.state === 'cancelled') throw new TaskCancelledError(this.id, outcome.name);
    throw new TaskFailedError(this.id, outcome.name, failuresOf(outcome.errors));
  }

  /**
   * Cancels the task (see `TaskQueue.cancel`): `'cancelled'` (it never runs),
   * `'requested'` (it is running; its signal fires) or `'finished'` (too late).
   * @throws TaskNotFoundError
   */
  async cancel(): Promise<CancelOutcome> {
    const [row] = await withPublicErrors(() => this.waiter.cancel([this.id]));
    if (!row?.outcome) throw new TaskNotFoundError(this.id);
    return row.outcome;
  }

  toJSON(): { id: string; name: string } {
    return { id: this.id, name: this.name };
  }
}
