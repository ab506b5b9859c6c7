import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { TaskEvent, TaskEventOf, TaskEventStreamFilter, TaskEventType } from '../interfaces/task-event.interface.js';
import { TaskStore } from '../persistence/task-store.js';
import { TaskEventBus } from './task-event-bus.js';
import { TaskEventStream } from './task-event-stream.js';

/** A task as the enqueue side prepared it (see PreparedTask). */
export interface EnqueuedRequest {
  definition: { name: string };
  row: { queue: string };
}

/** What the insert said of it. */
export interface WrittenRow {
  id: string;
  /** Written by no statement: the task holding its key was returned instead. */
  deduplicated?: boolean;
}

/** Events past this many per `cancelWhere` are not listed by its statement when nobody here listens (events$ could not carry them). */
export const CANCEL_EVENTS_WITHOUT_LISTENER = 100;

/**
 * The events of the enqueue side (`enqueued`, and `cancelled` for tasks
 * cancelled before they ran), emitted in the process that called, after its
 * statement returned; and `events$`. Kept out of TaskQueue so that it stays
 * a list of thin calls.
 */
@Injectable()
export class QueueEvents {
  constructor(
    private readonly bus: TaskEventBus,
    private readonly stream: TaskEventStream,
    private readonly store: TaskStore,
  ) {}

  /** One plain `add`: the hot path, one event object. */
  enqueuedOne(id: string, name: string, queue: string): void {
    this.bus.emit({ type: 'enqueued', taskId: id, name, queue, inTransaction: false, at: new Date() });
  }

  /** Tasks written by one statement: `written[i]` is what became of `tasks[i]`. */
  enqueued(tasks: readonly EnqueuedRequest[], written: readonly WrittenRow[], inTransaction: boolean): void {
    const at = new Date();
    this.bus.emitEach(
      'enqueued',
      written.length,
      (i) => written[i]!.deduplicated !== true,
      (i) => ({ type: 'enqueued', taskId: written[i]!.id, name: tasks[i]!.definition.name, queue: tasks[i]!.row.queue, inTransaction, at }),
    );
  }

  /** Tasks that ended `cancelled` by this process's statement (they were not running). */
  cancelled(tasks: readonly { id: string; name: string; queue: string }[]): void {
    const at = new Date();
    for (const task of tasks) this.bus.emit({ type: 'cancelled', taskId: task.id, name: task.name, queue: task.queue, wasRunning: false, at });
  }

  /**
   * `cancelWhere`'s statement, with a `cancelled` event per task it ended.
   * It lists them all only when a local listener needs each one.
   */
  async cancelMatching(name: string | null, queue: string | null, states: readonly string[]): Promise<{ cancelled: number; requested: number }> {
    const limit = this.bus.listensTo('cancelled') ? null : CANCEL_EVENTS_WITHOUT_LISTENER;
    const { cancelledTasks, ...counts } = await this.store.cancelMatching(name, queue, states, limit);
    this.cancelled(cancelledTasks);
    return counts;
  }

  events$<T extends TaskEventType = TaskEventType>(filter?: TaskEventStreamFilter<T>): Observable<TaskEventOf<T>> {
    return this.stream.events$(filter) as Observable<TaskEvent> as Observable<TaskEventOf<T>>;
  }
}
