import { MAX_NOTIFY_PAYLOAD_BYTES } from '../queued-tasks.constants.js';
import type { QueueEvents } from '../events/queue-events.js';
import type { WakeupNotifier } from '../notifications/wakeup-notifier.js';
import { wakeupPayload } from '../notifications/queue-notification.js';
import type { EnqueueExecutor } from '../persistence/enqueue-executor.js';
import type { WrittenTask } from '../persistence/keyed-task-writer.js';
import type { NewTaskRow } from '../persistence/sql/insert-tasks.sql.js';
import type { TaskKey } from '../persistence/sql/task-key.sql.js';
import type { TaskStore } from '../persistence/task-store.js';
import { writeGraph } from './graph-writer.js';
import type { PreparedTask } from './prepare-request.js';
import { withPublicErrors } from './public-error.js';
import { TaskRef } from './task-ref.js';
import type { TaskResultWaiter } from './task-result-waiter.js';

/**
 * The writes of TaskQueue other than a plain single add (which goes through
 * the EnqueueBatcher): in the caller's transaction, with parents, with keys;
 * each followed by its wake-ups and `enqueued` events.
 */
export class TaskWrites {
  constructor(
    private readonly store: TaskStore,
    private readonly waiter: TaskResultWaiter,
    private readonly notifier: WakeupNotifier,
    private readonly events: QueueEvents,
  ) {}

  /** One keyed add (insert-keyed-task.sql.ts): the coalesced multi-row INSERT of the batcher stays the one of plain adds. */
  async keyed(task: PreparedTask & { row: NewTaskRow & { key: TaskKey } }): Promise<TaskRef<unknown>> {
    const written = await withPublicErrors(() => this.store.insertKeyedTask(task.row), 'args');
    this.wakeFor([task.row], [written]);
    this.events.enqueued([task], [written], false);
    return new TaskRef(written.id, task.definition.name, this.store, this.waiter, written.deduplicated);
  }

  /** Many tasks without parents, on the queue's own transaction; keyed ones each with their own statement. */
  async many(tasks: readonly PreparedTask[]): Promise<TaskRef<unknown>[]> {
    const rows = tasks.map((task) => task.row);
    if (rows.some(hasKey)) {
      const written = await withPublicErrors(() => this.store.insertTasksWithKeys(rows), 'requests');
      this.wakeFor(rows, written);
      this.events.enqueued(tasks, written, false);
      return written.map((row, index) => new TaskRef(row.id, tasks[index]!.definition.name, this.store, this.waiter, row.deduplicated));
    }
    // The bulk path (W2): the driver's rows are used as they are, and the
    // wake-ups reduced to one per queue, since per-row copies cost more than
    // the JSON of the arguments on a batch of 1,000.
    const inserted = await withPublicErrors(() => this.store.insertTasks(rows), 'requests');
    this.notifier.wakeMany(earliestPerQueue(rows, inserted));
    this.events.enqueued(tasks, inserted, false);
    return inserted.map((row, index) => new TaskRef(row.id, tasks[index]!.definition.name, this.store, this.waiter, false));
  }

  /**
   * Tasks written in the caller's transaction: with parents through
   * writeGraph, else one INSERT whose wake-up NOTIFY rides on that
   * transaction's commit (never through the coalescing batcher: another
   * caller's rows must not join this transaction).
   */
  async inTransaction(tasks: readonly PreparedTask[], executor: EnqueueExecutor, values: string): Promise<TaskRef<unknown>[]> {
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
    this.events.enqueued(tasks, written, true);
    return written.map((row, index) => new TaskRef(row.id, tasks[index]!.definition.name, this.store, this.waiter, row.deduplicated ?? false));
  }

  /** Tasks of which some have parents: one transaction (see writeGraph). */
  async withParents(tasks: readonly PreparedTask[], values: string): Promise<TaskRef<unknown>[]> {
    const written = await withPublicErrors(
      () => writeGraph(this.store, tasks, (work) => this.store.writes.transaction(work)),
      values,
    );
    this.events.enqueued(tasks, written, false);
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

/**
 * The wake-ups of rows inserted by one statement, reduced to what the
 * notifier keeps of them: per queue, one due entry when any row is due now,
 * and the earliest run time of the others.
 */
export function earliestPerQueue(rows: readonly NewTaskRow[], inserted: readonly { run_at: Date }[]): { queue: string; runAt: number }[] {
  const now = Date.now();
  const due = new Set<string>();
  const later = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const queue = rows[i]!.queue;
    const runAt = inserted[i]!.run_at.getTime();
    if (runAt <= now) due.add(queue);
    else if (!(later.get(queue)! <= runAt)) later.set(queue, runAt);
  }
  return [...[...due].map((queue) => ({ queue, runAt: now })), ...[...later].map(([queue, runAt]) => ({ queue, runAt }))];
}

export function hasKey(row: NewTaskRow): row is NewTaskRow & { key: TaskKey } {
  return row.key != null;
}
