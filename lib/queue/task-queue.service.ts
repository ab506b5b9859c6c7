import { Inject, Injectable } from '@nestjs/common';
import { MAX_NOTIFY_PAYLOAD_BYTES, QUEUED_TASKS_CONFIG } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import { TaskNotFoundError } from '../errors/task-not-found.error.js';
import { TaskSerializationError } from '../errors/task-serialization.error.js';
import type { CancelFilter, CancelOutcome, TaskInfo } from '../interfaces/task-info.interface.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { isQueueName, QUEUE_NAME_RULE } from '../config/validate-task-options.js';
import type { AddTaskOptions, EnqueueManyOptions } from '../interfaces/task-options.interface.js';
import type {
  MethodArgs,
  MethodNames,
  MethodResult,
  TaskArgsOf,
  TaskName,
  TaskResultOf,
} from '../interfaces/task-registry.interface.js';
import { WakeupNotifier } from '../notifications/wakeup-notifier.js';
import type { WrittenTask } from '../persistence/keyed-task-writer.js';
import type { NewTaskRow } from '../persistence/sql/insert-tasks.sql.js';
import type { TaskKey } from '../persistence/sql/task-key.sql.js';
import { TaskStore } from '../persistence/task-store.js';
import { EnqueueBatcher } from './enqueue-batcher.js';
import { FlowBuilder } from './flow-builder.js';
import type { FlowNode } from './flow-node.js';
import { writeGraph } from './graph-writer.js';
import { managerExecutor } from './manager-executor.js';
import { wakeupPayload } from '../notifications/queue-notification.js';
import type { EnqueueExecutor } from '../persistence/enqueue-executor.js';
import { prepareRequest, type PreparedTask, type TaskRequest, type UncheckedRequest } from './prepare-request.js';
import { withPublicErrors } from './public-error.js';
import { TaskRef } from './task-ref.js';
import { TaskResultWaiter } from './task-result-waiter.js';
import { toTaskInfo } from './to-task-info.js';

type Class<T> = abstract new (...args: never[]) => T;

const TASK_ID = /^[1-9][0-9]{0,18}$/;
const CANCELLABLE_STATES: readonly string[] = ['scheduled', 'pending', 'blocked', 'running'];

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
   * A parameter or result that is not JSON (a `Date`, `Map`, `Set`, function,
   * `bigint`, `undefined` inside an array…) makes the call a compile error
   * naming it. Types cannot tell a `@QueuedTask()` method from any other
   * method: an undecorated one compiles and throws TaskNotRegisteredError.
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
   * `QueuedTasksRegistry` to have their arguments and result typed; once
   * one is declared, an undeclared name is a compile error.
   *
   * @throws UnknownTaskError, TaskSerializationError, InvalidTaskOptionsError (nothing is written)
   */
  add<N extends TaskName>(name: N, args: TaskArgsOf<N>, options?: AddTaskOptions): Promise<TaskRef<TaskResultOf<N>>>;
  async add(...params: unknown[]): Promise<TaskRef<unknown>> {
    const request: UncheckedRequest =
      typeof params[0] === 'string'
        ? { name: params[0], args: params[1] as unknown[], options: params[2] as AddTaskOptions | undefined }
        : {
            target: params[0] as Class<unknown>,
            method: params[1] as string,
            args: params[2] as unknown[],
            options: params[3] as AddTaskOptions | undefined,
          };
    const task = this.prepare(request);
    const manager = request.options?.manager;
    if (manager !== undefined) return (await this.writeInTransaction([task], managerExecutor(manager, 'add()'), 'args'))[0]!;
    if (task.parents.length > 0) return (await this.writeWithParents([task], 'args'))[0]!;
    const { definition, row } = task;
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
   * With `{ manager }`, in that TypeORM transaction (see
   * `AddTaskOptions.manager`).
   */
  async addMany(requests: readonly TaskRequest[], options: EnqueueManyOptions = {}): Promise<TaskRef<unknown>[]> {
    if (!Array.isArray(requests)) throw new TaskSerializationError('requests', 'addMany takes an array of requests');
    const executor = options?.manager !== undefined ? managerExecutor(options.manager, 'addMany()') : null;
    const prepared = requests.map((request, index) => this.prepare(request, `requests[${index}]`));
    if (prepared.length === 0) return [];
    if (executor) return this.writeInTransaction(prepared, executor, 'requests');
    if (prepared.some((task) => task.parents.length > 0)) return this.writeWithParents(prepared, 'requests');
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

  /**
   * Writes a graph of tasks in one transaction: nothing of it runs before
   * all of it exists. Each `f.add` is checked at once and returns a node
   * that later tasks may name in `dependsOn` (with stored tasks too); the
   * function returns the node whose ref `flow` resolves to.
   *
   * @example
   * ```ts
   * const merged = await tasks.flow((f) => {
   *   const parts = ['eu', 'us'].map((region) => f.add(Reports, 'extract', [region]));
   *   return f.add(Reports, 'merge', [], { dependsOn: parts });
   * });
   * ```
   * With `{ manager }`, the flow is written in that TypeORM transaction.
   *
   * @throws ParentTaskNotFoundError, and whatever `add` throws for a bad request (nothing is written)
   */
  async flow<TResult>(build: (f: FlowBuilder) => FlowNode<TResult>, options: EnqueueManyOptions = {}): Promise<TaskRef<TResult>> {
    const executor = options?.manager !== undefined ? managerExecutor(options.manager, 'flow()') : null;
    const builder = new FlowBuilder((request, where, flow) => this.prepare(request, where, flow));
    const returned = build(builder);
    if (builder.tasks.length === 0) throw new TaskSerializationError('flow', 'the flow added no task');
    const refs = executor ? await this.writeInTransaction(builder.tasks, executor, 'flow') : await this.writeWithParents(builder.tasks, 'flow');
    return refs[returned.flowNode] as TaskRef<TResult>;
  }

  /** Everything stored about a task. @throws TaskNotFoundError */
  async get<TResult = unknown>(id: string): Promise<TaskInfo<TResult>> {
    const row = typeof id === 'string' && TASK_ID.test(id) ? await withPublicErrors(() => this.store.getTask(id)) : undefined;
    if (!row) throw new TaskNotFoundError(id);
    return toTaskInfo<TResult>(row);
  }

  /**
   * Cancels a task from any process, whatever its state:
   * - `'cancelled'`: it was scheduled, pending or blocked; it never runs.
   * - `'requested'`: it is running; the handler's AbortSignal fires in the
   *   process that runs it (`signal.reason` is a TaskCancelledError), and the
   *   task ends `cancelled` unless its completion commits first.
   * - `'finished'`: it had already ended; nothing changes.
   *
   * A cancelled task is never retried; its children follow their
   * `onParentFailure`, and `result()` rejects with TaskCancelledError.
   *
   * @throws TaskNotFoundError when no task has this id
   */
  async cancel(id: string): Promise<CancelOutcome> {
    const [outcome] = await this.cancelMany([id]);
    return outcome!.outcome;
  }

  /**
   * Cancels many tasks in one statement (see {@link cancel}).
   * @returns one outcome per id, in the order given
   * @throws TaskNotFoundError naming an id that names no task (then nothing is cancelled)
   */
  async cancelMany(ids: readonly string[]): Promise<{ id: string; outcome: CancelOutcome }[]> {
    if (!Array.isArray(ids)) throw new TaskSerializationError('ids', 'cancelMany takes an array of task ids');
    const unknown = ids.find((id) => typeof id !== 'string' || !TASK_ID.test(id));
    if (unknown !== undefined) throw new TaskNotFoundError(String(unknown));
    if (ids.length === 0) return [];
    // One statement: an unknown id makes it cancel nothing and come back without an outcome.
    const rows = await withPublicErrors(() => this.store.cancel(ids));
    const unknownId = rows.find((row) => row.outcome === null);
    if (unknownId) throw new TaskNotFoundError(unknownId.id);
    return rows.map((row) => ({ id: row.id, outcome: row.outcome! }));
  }

  /**
   * Cancels every unfinished task of a name and/or a queue, in one statement,
   * as {@link cancel} does each: waiting ones end `cancelled`, running ones
   * get a cancel request. At least one of `name` and `queue` is required.
   *
   * @example
   * ```ts
   * const { cancelled, requested } = await tasks.cancelWhere({ name: 'reports.extract', states: ['pending', 'scheduled'] });
   * ```
   * @throws InvalidTaskOptionsError for a filter naming neither, or an unknown state
   */
  async cancelWhere(filter: CancelFilter): Promise<{ cancelled: number; requested: number }> {
    const where = 'cancelWhere()';
    if (filter === null || typeof filter !== 'object') throw new InvalidTaskOptionsError('filter', 'must be an object', where);
    const { name, queue, states = CANCELLABLE_STATES } = filter;
    if (name === undefined && queue === undefined) throw new InvalidTaskOptionsError('filter', 'name a task name, a queue, or both', where);
    if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw new InvalidTaskOptionsError('name', 'must be a non-empty string', where);
    if (queue !== undefined && !isQueueName(queue)) throw new InvalidTaskOptionsError('queue', QUEUE_NAME_RULE, where);
    if (!Array.isArray(states) || states.length === 0 || states.some((state) => !CANCELLABLE_STATES.includes(state))) {
      throw new InvalidTaskOptionsError('states', `must list some of ${CANCELLABLE_STATES.join(', ')}`, where);
    }
    return withPublicErrors(() => this.store.cancelMatching(name ?? null, queue ?? null, states));
  }

  /** A ref for a task id obtained earlier (from a URL, a log, another process). @throws TaskNotFoundError */
  async ref<TResult = unknown>(id: string): Promise<TaskRef<TResult>> {
    const info = await this.get(id);
    return new TaskRef<TResult>(info.id, info.name, this.store, this.waiter);
  }

  private prepare(request: UncheckedRequest, where = '', flow: object | null = null): PreparedTask {
    return prepareRequest(this.registry, this.config, request, where, flow);
  }

  /**
   * Tasks written in the caller's transaction: with parents through
   * writeGraph, else one INSERT whose wake-up NOTIFY rides on that
   * transaction's commit (never through the coalescing batcher: another
   * caller's rows must not join this transaction).
   */
  private async writeInTransaction(tasks: readonly PreparedTask[], executor: EnqueueExecutor, values: string): Promise<TaskRef<unknown>[]> {
    let written: { id: string; deduplicated?: boolean }[];
    const rows = tasks.map((task) => task.row);
    const queues = [...new Set(rows.map((row) => row.queue))];
    const delayed = rows.some((row) => row.runAt !== null || row.delayMs > 0);
    const payload = wakeupPayload(queues, null, MAX_NOTIFY_PAYLOAD_BYTES, delayed);
    if (tasks.some((task) => task.parents.length > 0)) {
      written = await withPublicErrors(() => writeGraph(this.store, tasks, (work) => work(executor)), values);
    } else if (rows.some(hasKey)) {
      written = await withPublicErrors(() => this.store.writes.insertTasksWithKeysOn(executor, rows, payload), values);
    } else {
      written = await withPublicErrors(() => this.store.writes.insertTasksOn(executor, rows, payload), values);
    }
    return written.map((row, index) => new TaskRef(row.id, tasks[index]!.definition.name, this.store, this.waiter, row.deduplicated ?? false));
  }

  /** Tasks of which some have parents: one transaction (see writeGraph). */
  private async writeWithParents(tasks: readonly PreparedTask[], values: string): Promise<TaskRef<unknown>[]> {
    const written = await withPublicErrors(
      () => writeGraph(this.store, tasks, (work) => this.store.writes.transaction(work)),
      values,
    );
    return written.map((row, index) => new TaskRef(row.id, tasks[index]!.definition.name, this.store, this.waiter));
  }

  /**
   * Wakes the workers of the queues that got a task (or a debounced task's
   * new run time), once per queue with its earliest run time. A duplicate of
   * a unique or throttle key changed nothing, and wakes nobody.
   */
  private wakeFor(rows: readonly NewTaskRow[], written: readonly WrittenTask[]): void {
    this.notifier.wakeMany(
      rows.flatMap((row, index) => {
        const task = written[index]!;
        if (task.deduplicated && row.key?.kind !== 'debounce') return [];
        return [{ queue: task.queue ?? row.queue, runAt: task.run_at.getTime() }];
      }),
    );
  }
}

function hasKey(row: NewTaskRow): row is NewTaskRow & { key: TaskKey } {
  return row.key != null;
}
