import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_BACKOFF, QUEUED_TASKS_CONFIG } from '../queued-tasks.constants.js';
import type { BackoffOptions } from '../interfaces/backoff.interface.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import type { TaskDefinition } from '../discovery/task-definition.js';
import { TaskNotFoundError } from '../errors/task-not-found.error.js';
import { TaskSerializationError } from '../errors/task-serialization.error.js';
import type { TaskInfo } from '../interfaces/task-info.interface.js';
import type { AddTaskOptions } from '../interfaces/task-options.interface.js';
import type {
  MethodArgs,
  MethodNames,
  MethodResult,
  TaskArgsOf,
  TaskResultOf,
} from '../interfaces/task-registry.interface.js';
import { WakeupNotifier } from '../notifications/wakeup-notifier.js';
import type { WrittenTask } from '../persistence/keyed-task-writer.js';
import type { NewTaskRow } from '../persistence/sql/insert-tasks.sql.js';
import type { TaskKey } from '../persistence/sql/task-key.sql.js';
import { TaskStore } from '../persistence/task-store.js';
import { EnqueueBatcher } from './enqueue-batcher.js';
import { argsToJson } from './json-value.js';
import { withPublicErrors } from './public-error.js';
import { resolveTaskOptions } from './resolve-task-options.js';
import { TaskRef } from './task-ref.js';
import { TaskResultWaiter } from './task-result-waiter.js';
import { toTaskInfo } from './to-task-info.js';

type Class<T> = abstract new (...args: never[]) => T;

/** One task of an {@link TaskQueue.addMany} batch, by registered name or by class and method. */
export type TaskRequest =
  | { name: string; args: readonly unknown[]; options?: AddTaskOptions }
  | { target: Class<unknown>; method: string; args: readonly unknown[]; options?: AddTaskOptions };

const TASK_ID = /^[1-9][0-9]{0,18}$/;

/**
 * The backoff as stored: NULL when it is the library's default (read back as
 * that default), which keeps most rows narrower, and single enqueue is bound
 * by how much each commit writes.
 */
function storedBackoff(backoff: BackoffOptions): string | null {
  if (backoff === DEFAULT_BACKOFF) return null;
  return JSON.stringify(backoff);
}

/**
 * Enqueues tasks and reads them back. Inject it anywhere; it works in
 * processes that run no workers.
 *
 * Every `add` writes the task to PostgreSQL before it resolves: a task that
 * `add` returned a ref for survives any crash from then on. Concurrent `add`
 * calls of one process share statements and commits (see EnqueueBatcher);
 * each still resolves or rejects on its own.
 */
@Injectable()
export class TaskQueue {
  constructor(
    private readonly registry: TaskRegistry,
    private readonly store: TaskStore,
    private readonly notifier: WakeupNotifier,
    private readonly batcher: EnqueueBatcher,
    private readonly waiter: TaskResultWaiter,
    @Inject(QUEUED_TASKS_CONFIG) private readonly config: ResolvedQueuedTasksConfig,
  ) {}

  /**
   * Enqueues a call of a `@QueuedTask()` method. Arguments are checked against
   * the method's parameters at compile time, and `result()` is typed as the
   * method's resolved return value.
   *
   * @example
   * ```ts
   * const ref = await tasks.add(MailTasks, 'sendWelcome', ['a@b.c', 'Ann'], { delayMs: 5_000 });
   * const { messageId } = await ref.result();
   * ```
   * With a `unique`, `debounce` or `throttle` key, the ref may be of the task
   * already holding the key (`ref.deduplicated`), and nothing is written.
   *
   * @throws TaskNotRegisteredError, TaskSerializationError, InvalidTaskOptionsError (nothing is written)
   */
  add<T, K extends MethodNames<T>>(
    target: Class<T>,
    method: K,
    args: MethodArgs<T, K>,
    options?: AddTaskOptions,
  ): Promise<TaskRef<MethodResult<T, K>>>;
  /**
   * Enqueues a task by its registered name. Declare names in
   * `QueuedTasksRegistry` to have their arguments and result typed.
   *
   * @throws UnknownTaskError, TaskSerializationError, InvalidTaskOptionsError (nothing is written)
   */
  add<N extends string>(name: N, args: TaskArgsOf<N>, options?: AddTaskOptions): Promise<TaskRef<TaskResultOf<N>>>;
  async add(...params: unknown[]): Promise<TaskRef<unknown>> {
    const request: TaskRequest =
      typeof params[0] === 'string'
        ? { name: params[0], args: params[1] as unknown[], options: params[2] as AddTaskOptions | undefined }
        : {
            target: params[0] as Class<unknown>,
            method: params[1] as string,
            args: params[2] as unknown[],
            options: params[3] as AddTaskOptions | undefined,
          };
    const { definition, row } = this.prepare(request);
    if (hasKey(row)) {
      // A keyed add has statements of its own (insert-keyed-task.sql.ts); the
      // coalesced multi-row INSERT of the batcher stays the one of plain adds.
      const written = await withPublicErrors(() => this.store.insertKeyedTask(row), 'args');
      this.wakeFor([row], [written]);
      return new TaskRef(written.id, definition.name, this.store, this.waiter, written.deduplicated);
    }
    const inserted = await this.batcher.insert(row);
    return new TaskRef(inserted.id, definition.name, this.store, this.waiter);
  }

  /**
   * Enqueues many tasks in one statement (one round trip, one transaction):
   * either all are written or none is. Every request is validated before
   * anything is sent. Requests with a `unique`, `debounce` or `throttle` key
   * make it one transaction with a statement per keyed request; each is
   * deduplicated as by `add`, against earlier requests of the batch too.
   */
  async addMany(requests: readonly TaskRequest[]): Promise<TaskRef<unknown>[]> {
    if (!Array.isArray(requests)) throw new TaskSerializationError('requests', 'addMany takes an array of requests');
    const prepared = requests.map((request, index) => this.prepare(request, `requests[${index}]`));
    if (prepared.length === 0) return [];
    const rows = prepared.map((p) => p.row);
    // Keys need statements of their own, in one transaction; a batch without
    // keys stays one statement.
    const written: WrittenTask[] = rows.some(hasKey)
      ? await withPublicErrors(() => this.store.insertTasksWithKeys(rows), 'requests')
      : (await withPublicErrors(() => this.store.insertTasks(rows), 'requests')).map((row) => ({ ...row, deduplicated: false }));
    this.wakeFor(rows, written);
    return written.map(
      (row, index) => new TaskRef(row.id, prepared[index]!.definition.name, this.store, this.waiter, row.deduplicated),
    );
  }

  /** Everything stored about a task. @throws TaskNotFoundError */
  async get<TResult = unknown>(id: string): Promise<TaskInfo<TResult>> {
    const row = typeof id === 'string' && TASK_ID.test(id) ? await withPublicErrors(() => this.store.getTask(id)) : undefined;
    if (!row) throw new TaskNotFoundError(id);
    return toTaskInfo<TResult>(row);
  }

  /** A ref for a task id obtained earlier (from a URL, a log, another process). @throws TaskNotFoundError */
  async ref<TResult = unknown>(id: string): Promise<TaskRef<TResult>> {
    const info = await this.get(id);
    return new TaskRef<TResult>(info.id, info.name, this.store, this.waiter);
  }

  /**
   * Wakes the workers of the queues that got a task (or a debounced task's
   * new run time), once per queue with its earliest run time. A duplicate of
   * a unique or throttle key changed nothing, and wakes nobody.
   */
  private wakeFor(rows: readonly NewTaskRow[], written: readonly WrittenTask[]): void {
    const earliest = new Map<string, number>();
    rows.forEach((row, index) => {
      const task = written[index]!;
      if (task.deduplicated && row.key?.kind !== 'debounce') return;
      const queue = task.queue ?? row.queue;
      earliest.set(queue, Math.min(earliest.get(queue) ?? Infinity, task.run_at.getTime()));
    });
    for (const [queue, runAt] of earliest) this.notifier.wake(queue, runAt);
  }

  /** `where` names a request of a batch in errors (`requests[2]`); empty for a single `add`. */
  private prepare(request: TaskRequest, where = ''): { definition: TaskDefinition; row: NewTaskRow } {
    if (request === null || typeof request !== 'object') throw new TaskSerializationError(where || 'request', 'must be an object');
    const definition =
      'name' in request
        ? this.registry.getByName(request.name)
        : this.registry.getByMethod(request.target, request.method);
    const options = resolveTaskOptions(request.options ?? {}, definition.options, this.config.defaults, where && `${where}.options`);
    return {
      definition,
      row: {
        name: definition.name,
        queue: options.queue,
        args: argsToJson(request.args, where ? `${where}.args` : 'args'),
        priority: options.priority,
        runAt: options.runAt,
        delayMs: options.delayMs,
        maxAttempts: options.maxAttempts,
        backoff: storedBackoff(options.backoff),
        timeoutMs: options.timeoutMs,
        key: options.key,
      },
    };
  }
}

function hasKey(row: NewTaskRow): row is NewTaskRow & { key: TaskKey } {
  return row.key != null;
}
