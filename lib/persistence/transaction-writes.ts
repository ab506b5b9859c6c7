import type { TaskState } from '../interfaces/task-info.interface.js';
import type { EnqueueExecutor } from './enqueue-executor.js';
import { writeTasksInOrder, type WrittenTask } from './keyed-task-writer.js';
import type { PlannedGraph } from './planned-graph.js';
import type { QueryOn, QueueDatabase } from './queue-database.js';
import { insertTasksValues, type NewTaskRow } from './sql/insert-tasks.sql.js';
import type { TaskStatements } from './task-statements.js';

/**
 * The enqueue statements that run on a transaction the caller chooses (an
 * EnqueueExecutor): one of the queue's own pool (`transaction`), or the
 * application's, for transactional enqueue. Wake-ups they send ride on that
 * transaction's commit.
 */
export class TransactionWrites {
  constructor(
    private readonly db: QueueDatabase,
    private readonly statements: TaskStatements,
    private readonly channel: string,
  ) {}

  /** Many tasks in one statement on `executor` (the caller's transaction), sending `wakeupPayload` at its commit. */
  insertTasksOn(executor: EnqueueExecutor, tasks: readonly NewTaskRow[], wakeupPayload: string): Promise<{ id: string; run_at: Date }[]> {
    return executor.query(this.statements.insertTasksNotifying, [...insertTasksValues(tasks), this.channel, wakeupPayload]);
  }

  /**
   * Tasks some of which have keys, on `executor` (the caller's transaction;
   * see writeTasksInOrder), then one wake-up sent at its commit.
   */
  async insertTasksWithKeysOn(executor: EnqueueExecutor, tasks: readonly NewTaskRow[], wakeupPayload: string): Promise<WrittenTask[]> {
    const query: QueryOn = (statement, values = []) => executor.query(typeof statement === 'string' ? { name: '', text: statement } : statement, values);
    const written = await writeTasksInOrder(query, this.statements, tasks);
    await executor.query(this.statements.notify, [this.channel, wakeupPayload]);
    return written;
  }

  /** Runs `work` in a transaction of the queue's pool (see QueueDatabase.transaction). */
  transaction<T>(work: (executor: EnqueueExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction((query) => work({ query }));
  }

  /** Locks stored parents and allocates ids (see insert-graph.sql.ts). */
  async lockParents(executor: EnqueueExecutor, parentIds: readonly string[], idCount: number): Promise<{ parents: { id: string; state: TaskState }[]; ids: string[] }> {
    const [row] = await executor.query<{ parents: { id: string; state: TaskState }[]; ids: string[] }>(this.statements.lockParents, [parentIds, idCount]);
    return row!;
  }

  /** Writes tasks with their planned start states and edges (see insert-graph.sql.ts). */
  insertGraph(executor: EnqueueExecutor, rows: readonly NewTaskRow[], ids: readonly string[], plan: PlannedGraph): Promise<{ id: string; run_at: Date; state: TaskState }[]> {
    return executor.query(this.statements.insertGraph, [
      ids,
      ...insertTasksValues(rows),
      plan.nodes.map((node) => node.state),
      plan.nodes.map((node) => node.pendingParents),
      rows.map((row) => row.onParentFailure),
      plan.nodes.map((node) => node.hasChildren),
      plan.nodes.map((node) => node.errors),
      plan.edges.map((edge) => edge.parentId),
      plan.edges.map((edge) => edge.childId),
      plan.edges.map((edge) => edge.position),
      this.channel,
    ]);
  }
}
