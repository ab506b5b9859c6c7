import { Inject, Injectable } from '@nestjs/common';
import { QUEUED_TASKS_CONFIG } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import { TaskNotFoundError } from '../errors/task-not-found.error.js';
import { TaskSerializationError } from '../errors/task-serialization.error.js';
import type { CancelFilter, CancelOutcome, TaskInfo } from '../interfaces/task-info.interface.js';
import { resolveCancelFilter } from '../config/validate-cancel-filter.js';
import { isTaskId } from '../config/validate-task-options.js';
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
import { TaskStore } from '../persistence/task-store.js';
import { KeyedQueues } from '../persistence/keyed-queues.js';
import { EnqueueBatcher } from './enqueue-batcher.js';
import { FlowBuilder } from './flow-builder.js';
import type { FlowNode } from './flow-node.js';
import { managerExecutor } from './manager-executor.js';
import { prepareRequest, type PreparedTask, type TaskRequest, type UncheckedRequest } from './prepare-request.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { withPublicErrors } from './public-error.js';
import { readTaskLogs } from './read-task-logs.js';
import { TaskReportStore } from '../persistence/task-report-store.js';
import type { TaskLogLine, TaskLogsQuery } from '../interfaces/task-report.interface.js';
import { TaskRef } from './task-ref.js';
import { TaskResultWaiter } from './task-result-waiter.js';
import { hasKey, TaskWrites } from './task-writes.js';
import { QueueEvents } from '../events/queue-events.js';
import type { Observable } from 'rxjs';
import type { TaskEventOf, TaskEventStreamFilter, TaskEventType } from '../interfaces/task-event.interface.js';
import { toTaskInfo } from './to-task-info.js';
import { RetentionStore } from '../persistence/retention-store.js';
import { purgeTasks, type PurgeOptions, type PurgeResult } from './purge-tasks.js';

type Class<T> = abstract new (...args: never[]) => T;

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
  private readonly writes: TaskWrites;

  constructor(
    private readonly registry: TaskRegistry,
    private readonly store: TaskStore,
    notifier: WakeupNotifier,
    private readonly batcher: EnqueueBatcher,
    private readonly waiter: TaskResultWaiter,
    private readonly events: QueueEvents,
    @Inject(QUEUED_TASKS_CONFIG) private readonly config: ResolvedQueuedTasksConfig,
    private readonly reports: TaskReportStore,
    private readonly retention: RetentionStore,
    private readonly keyedQueues: KeyedQueues,
  ) {
    this.writes = new TaskWrites(store, waiter, notifier, events);
  }

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
    if (task.row.concurrencyKey != null) await this.markKeyed([task]);
    const manager = request.options?.manager;
    if (manager !== undefined) return (await this.writes.inTransaction([task], managerExecutor(manager, 'add()'), 'args'))[0]!;
    if (task.parents.length > 0) return (await this.writes.withParents([task], 'args'))[0]!;
    const { definition, row } = task;
    if (hasKey(row)) return this.writes.keyed({ ...task, row });
    const inserted = await this.batcher.insert(row);
    this.events.enqueuedOne(inserted.id, definition.name, row.queue);
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
    await this.markKeyed(prepared);
    if (prepared.some((task) => task.parents.length > 0)) refuseKeysInGraph(prepared, (index) => `requests[${index}].options`);
    if (executor) return this.writes.inTransaction(prepared, executor, 'requests');
    if (prepared.some((task) => task.parents.length > 0)) return this.writes.withParents(prepared, 'requests');
    return this.writes.many(prepared);
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
    refuseKeysInGraph(builder.tasks, (index) => `flow node ${index}`);
    await this.markKeyed(builder.tasks);
    const refs = executor ? await this.writes.inTransaction(builder.tasks, executor, 'flow') : await this.writes.withParents(builder.tasks, 'flow');
    return refs[returned.flowNode] as TaskRef<TResult>;
  }

  /** Everything stored about a task. @throws TaskNotFoundError */
  async get<TResult = unknown>(id: string): Promise<TaskInfo<TResult>> {
    const row = isTaskId(id) ? await withPublicErrors(() => this.store.getTask(id)) : undefined;
    if (!row) throw new TaskNotFoundError(id);
    return toTaskInfo<TResult>(row);
  }

  /**
   * Stored log lines of a task (`currentTask()?.log`), oldest first, a page at
   * a time: pass the last line's `id` as `afterId` for the next page.
   * @throws TaskNotFoundError, InvalidTaskOptionsError
   */
  logs(id: string, query?: TaskLogsQuery): Promise<TaskLogLine[]> {
    return readTaskLogs(this.reports, id, query);
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
    const unknown = ids.find((id) => !isTaskId(id));
    if (unknown !== undefined) throw new TaskNotFoundError(String(unknown));
    if (ids.length === 0) return [];
    // One statement: an unknown id makes it cancel nothing and come back without an outcome.
    const rows = await withPublicErrors(() => this.waiter.cancel(ids));
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
    const { name, queue, states } = resolveCancelFilter(filter);
    return withPublicErrors(() => this.events.cancelMatching(name, queue, states));
  }

  /**
   * Deletes tasks of finished `state`(s) that finished over `olderThan` ago (`'1h'`, `'7d'`, ms), with their log lines
   * and edges, in short batches as retention does; a parent an unfinished child depends on is kept. @throws InvalidTaskOptionsError
   */
  purge(options: PurgeOptions): Promise<PurgeResult> {
    return purgeTasks(this.retention, options);
  }

  /** Task events of every process, live, best-effort (see the README's "Task events"). @throws UnknownTaskEventError */
  events$<T extends TaskEventType = TaskEventType>(filter?: TaskEventStreamFilter<T>): Observable<TaskEventOf<T>> {
    return this.events.events$(filter);
  }

  /** A ref for a task id obtained earlier (from a URL, a log, another process). @throws TaskNotFoundError */
  async ref<TResult = unknown>(id: string): Promise<TaskRef<TResult>> {
    const info = await this.get(id);
    return new TaskRef<TResult>(info.id, info.name, this.store, this.waiter);
  }

  /**
   * Marks keyed the queues of tasks with a concurrency key (see KeyedQueues),
   * committed before any of them is written, in whichever transaction.
   */
  private markKeyed(tasks: readonly PreparedTask[]): Promise<void> {
    return withPublicErrors(() => this.keyedQueues.ensureFor(tasks.map((task) => task.row)));
  }

  private prepare(request: UncheckedRequest, where = '', flow: object | null = null): PreparedTask {
    return prepareRequest(this.registry, this.config, request, where, flow);
  }
}

/**
 * A graph (a flow, or a batch with `dependsOn`) is written by one statement
 * that has no place for unique, debounce or throttle keys: refused, nothing
 * written, rather than written without its key.
 */
function refuseKeysInGraph(tasks: readonly PreparedTask[], where: (index: number) => string): void {
  const index = tasks.findIndex((task) => task.row.key != null);
  if (index === -1) return;
  const kind = tasks[index]!.row.key!.kind;
  throw new InvalidTaskOptionsError(kind, 'cannot be used in flow() or in an addMany batch with dependsOn (not supported yet)', where(index));
}
