import { TASK_EVENT_METADATA } from '../queued-tasks.constants.js';
import type { TaskEventFilter, TaskEventOf, TaskEventType } from '../interfaces/task-event.interface.js';

/** What one `@OnTaskEvent()` stores on its method (a method may carry several). */
export interface TaskEventSubscription {
  types: readonly string[];
  filter: TaskEventFilter;
}

/** A method decorator whose method must accept an event of type `E` (or take no parameter). */
export type EventListenerDecorator<E> = <M extends (event: E) => unknown>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Calls the method for each task event of `type` (or of any of several types)
 * that happens in this process, once per event: in the worker that ran the
 * task, the process that enqueued or cancelled it, the maintenance leader
 * for a rescue. Three instances of the application never triple it, so it
 * is the place for side effects (alerts, audit rows).
 *
 * The method runs after the event, outside the worker's path: what it
 * returns is not awaited, and what it throws is logged as a warning. An
 * unknown type fails the bootstrap (UnknownTaskEventError). The method's
 * parameter is checked against the type's event interface.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class Alerts {
 *   @OnTaskEvent('failed', { queue: 'mail' })
 *   onMailFailed(event: TaskFailedEvent) {
 *     this.pager.page(`${event.name} failed: ${event.error.message}`);
 *   }
 * }
 * ```
 */
export function OnTaskEvent<T extends TaskEventType>(
  type: T | readonly T[],
  filter: TaskEventFilter = {},
): EventListenerDecorator<TaskEventOf<T>> {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const existing = (Reflect.getMetadata(TASK_EVENT_METADATA, method) as TaskEventSubscription[] | undefined) ?? [];
    const types: readonly string[] = typeof type === 'string' ? [type] : type;
    Reflect.defineMetadata(TASK_EVENT_METADATA, [...existing, { types, filter }], method);
  };
}
