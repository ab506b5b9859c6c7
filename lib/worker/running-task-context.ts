import type { TaskContext } from '../context/task-context.js';
import type { ParentTaskInfo } from '../interfaces/task-info.interface.js';
import type { ClaimedTaskRow } from '../persistence/sql/task-row.js';
import type { TaskStore } from '../persistence/task-store.js';

/**
 * The context of one running attempt. A class, so that its methods live on
 * one prototype: a fast drain makes tens of thousands a second, and closures
 * per attempt would cost allocations for methods most handlers never call.
 */
export class RunningTaskContext implements TaskContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly attempt: number;
  readonly maxAttempts: number;

  constructor(
    row: ClaimedTaskRow,
    readonly workerId: string,
    private readonly signalOf: () => AbortSignal,
    private readonly store: TaskStore,
  ) {
    this.id = row.id;
    this.name = row.name;
    this.queue = row.queue;
    this.attempt = row.attempts;
    this.maxAttempts = row.max_attempts;
  }

  get signal(): AbortSignal {
    return this.signalOf();
  }

  parents(): Promise<ParentTaskInfo[]> {
    return this.store.getParents(this.id);
  }

  async parentResults<T extends unknown[] = unknown[]>(): Promise<{ [K in keyof T]: T[K] | undefined }> {
    const parents = await this.parents();
    return parents.map((parent) => (parent.state === 'completed' ? parent.result : undefined)) as { [K in keyof T]: T[K] | undefined };
  }
}
