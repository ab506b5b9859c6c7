import { Injectable } from '@nestjs/common';
import type { TaskEvent, WorkerEvent } from '../interfaces/task-event.interface.js';
import { ListenerDispatcher, type BoundListener } from './listener-dispatcher.js';
import { matchesEvent, type EventMatcher } from './task-event-filter.js';
import { TaskEventPublisher } from './task-event-publisher.js';

/** An `@OnTaskEvent()` method with its filter. */
export interface TaskEventListener extends BoundListener {
  matcher: EventMatcher;
}

/**
 * Where every task event of this process goes: to the local `@OnTaskEvent()`
 * listeners of its type (run by the dispatcher, after the fact) and to the
 * batched publisher that feeds `events$` everywhere. Emitted once, in the
 * process where the event happened, so local listeners fire once per event
 * in the whole cluster.
 *
 * `emit` is called on the worker's hot path (start and completion of every
 * attempt): with no local listener of the type it is a map lookup and an
 * array push.
 */
@Injectable()
export class TaskEventBus {
  private readonly taskListeners = new Map<string, TaskEventListener[]>();
  private readonly workerListeners = new Map<string, BoundListener[]>();
  private readonly dispatcher = new ListenerDispatcher();

  constructor(private readonly publisher: TaskEventPublisher) {}

  /** At bootstrap, by the explorer. */
  addTaskListener(types: readonly string[], listener: TaskEventListener): void {
    for (const type of types) this.taskListeners.set(type, [...(this.taskListeners.get(type) ?? []), listener]);
  }

  /** At bootstrap, by the explorer. */
  addWorkerListener(types: readonly string[], listener: BoundListener): void {
    for (const type of types) this.workerListeners.set(type, [...(this.workerListeners.get(type) ?? []), listener]);
  }

  /** True when a local listener wants events of this type (so an emitter may skip building rare ones). */
  listensTo(type: TaskEvent['type']): boolean {
    return this.taskListeners.has(type);
  }

  emit(event: TaskEvent): void {
    this.publisher.publish(event);
    const listeners = this.taskListeners.get(event.type);
    if (listeners === undefined) return;
    for (const listener of listeners) {
      if (matchesEvent(listener.matcher, event)) this.dispatcher.enqueue(listener, event, () => `'${event.type}' of task ${event.taskId} (${event.name})`);
    }
  }

  /**
   * One event of `type`, built by `build` only when something takes it: a
   * local listener of the type, or room in the publisher's batch; otherwise
   * only counted as dropped, as `emit` would have counted it. For the
   * worker's hot path (a start and a completion per task), where most
   * events of a busy worker are past the batch's room.
   */
  emitLazy(type: TaskEvent['type'], build: () => TaskEvent): void {
    if (this.taskListeners.has(type) || this.publisher.hasRoom()) this.emit(build());
    else this.publisher.countDropped(1);
  }

  /**
   * `count` events of one type from one statement (a batch of 1,000 adds):
   * event `i` exists when `exists(i)`, and is built by `build(i)` only when
   * something takes it: a local listener of the type, or room in the
   * publisher's batch. Past that room an event is only counted as dropped,
   * as `emit` would have counted it.
   */
  emitEach(type: TaskEvent['type'], count: number, exists: (index: number) => boolean, build: (index: number) => TaskEvent): void {
    for (let i = 0; i < count; i++) if (exists(i)) this.emitLazy(type, () => build(i));
  }

  /** Worker lifecycle: local listeners only (nothing is published). */
  emitWorker(event: WorkerEvent): void {
    for (const listener of this.workerListeners.get(event.type) ?? []) {
      this.dispatcher.enqueue(listener, event, () => `worker '${event.type}'`);
    }
  }

  /** Publishes what is buffered now (at shutdown). */
  flush(): Promise<void> {
    return this.publisher.flush();
  }
}
