import { ParentTaskNotFoundError } from '../errors/parent-task-not-found.error.js';
import type { TaskState } from '../interfaces/task-info.interface.js';
import type { EnqueueExecutor } from '../persistence/enqueue-executor.js';
import type { NewTaskRow } from '../persistence/sql/insert-tasks.sql.js';
import type { TaskStore } from '../persistence/task-store.js';
import { planGraph, type GraphNode } from './task-graph.js';

/** One task of a write with dependencies. */
export interface GraphTask extends GraphNode {
  row: NewTaskRow;
}

/** Runs a write in a transaction: the queue's own, or the caller's. */
export type TransactionRunner = <T>(work: (executor: EnqueueExecutor) => Promise<T>) => Promise<T>;

/**
 * Writes tasks that have parents (one `add` with `dependsOn`, a batch, a
 * flow) in one transaction and two statements: lock the stored parents and
 * allocate ids, then insert every task and edge with the start state
 * planGraph decides. A parent id that names no task throws
 * ParentTaskNotFoundError before anything is inserted, and the transaction
 * rolls back (the parents' `has_children` marks with it).
 *
 * @returns the tasks in the order given
 */
export async function writeGraph(
  store: TaskStore,
  tasks: readonly GraphTask[],
  inTransaction: TransactionRunner,
): Promise<{ id: string; runAt: Date; state: TaskState }[]> {
  const storedParents = [...new Set(tasks.flatMap((task) => task.parents.flatMap((parent) => (parent.kind === 'task' ? [parent.id] : []))))];
  return inTransaction(async (executor) => {
    const { parents, ids } = await store.writes.lockParents(executor, storedParents, tasks.length);
    const states = new Map(parents.map((parent) => [parent.id, parent.state]));
    const missing = storedParents.find((id) => !states.has(id));
    if (missing !== undefined) throw new ParentTaskNotFoundError(missing);
    const plan = planGraph(tasks, ids, states);
    const rows = await store.writes.insertGraph(
      executor,
      tasks.map((task) => ({ ...task.row, onParentFailure: task.onParentFailure })),
      ids,
      plan,
    );
    // Ids were allocated in order, and rows come back ordered by id.
    return rows.map((row) => ({ id: row.id, runAt: row.run_at, state: row.state }));
  });
}
