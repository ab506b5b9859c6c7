import type { TaskContext } from '../context/task-context.js';
import type { ParentTaskInfo } from '../interfaces/task-info.interface.js';
import type { JsonValue, TaskContextValues, TaskLogger } from '../interfaces/task-report.interface.js';
import type { ClaimedTaskRow } from '../persistence/sql/task-row.js';
import type { TaskStore } from '../persistence/task-store.js';
import { checkProgress } from './report-values.js';
import { StoredContext } from './stored-context.js';
import { TaskLog } from './task-log.js';
import type { TaskReportWriter } from './task-report-writer.js';

const NO_METADATA: Readonly<Record<string, JsonValue>> = Object.freeze({});
const DONE = Promise.resolve();
const NO_LINEAGE = [null, null, null, null] as const;

/**
 * The context of one running attempt. A class, so that its methods live on
 * one prototype: a fast drain makes tens of thousands a second, and closures
 * per attempt would cost allocations for methods most handlers never call.
 * The log and the key/value context are made when first used, for the same
 * reason.
 */
export class RunningTaskContext implements TaskContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly metadata: Readonly<Record<string, JsonValue>>;
  readonly parentTaskId: string | null;
  readonly rootTaskId: string | null;
  private taskLog: TaskLog | undefined;
  private values: StoredContext | undefined;

  constructor(
    private readonly row: ClaimedTaskRow,
    readonly workerId: string,
    private readonly signalOf: () => AbortSignal,
    private readonly store: TaskStore,
    private readonly reports: TaskReportWriter,
    /** The attempt's key (see attemptKey): what its reports are filed under. */
    private readonly key: string,
  ) {
    this.id = row.id;
    this.name = row.name;
    this.queue = row.queue;
    this.attempt = row.attempts;
    this.maxAttempts = row.max_attempts;
    const [metadata, parentTaskId, rootTaskId] = row.lineage ?? NO_LINEAGE;
    this.metadata = metadata ? Object.freeze(metadata as Record<string, JsonValue>) : NO_METADATA;
    this.parentTaskId = parentTaskId;
    this.rootTaskId = rootTaskId;
  }

  get signal(): AbortSignal {
    return this.signalOf();
  }

  get log(): TaskLogger {
    return (this.taskLog ??= new TaskLog({ key: this.key, id: this.id, name: this.name, queue: this.queue, attempt: this.attempt }, this.reports));
  }

  get context(): TaskContextValues {
    return (this.values ??= new StoredContext(this.row.lineage?.[3], (json) => this.reports.context(this.key, this, json)));
  }

  progress(value: number, message?: string, data?: unknown): Promise<void> {
    this.reports.progress(this.key, this, checkProgress(value, message, data, Date.now()));
    return DONE;
  }

  parents(): Promise<ParentTaskInfo[]> {
    return this.store.getParents(this.id);
  }

  async parentResults<T extends unknown[] = unknown[]>(): Promise<{ [K in keyof T]: T[K] | undefined }> {
    const parents = await this.parents();
    return parents.map((parent) => (parent.state === 'completed' ? parent.result : undefined)) as { [K in keyof T]: T[K] | undefined };
  }
}
