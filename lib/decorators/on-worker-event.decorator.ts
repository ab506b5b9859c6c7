import { WORKER_EVENT_METADATA } from '../queued-tasks.constants.js';
import type { WorkerEvent, WorkerEventType } from '../interfaces/task-event.interface.js';
import type { EventListenerDecorator } from './on-task-event.decorator.js';

/**
 * Calls the method when this process's worker starts (it claims from then
 * on), begins to drain (shutdown began), and has stopped (every attempt
 * written or handed back), in that order, with a {@link WorkerEvent}. Only
 * in processes that run a worker. Like `@OnTaskEvent()`, it runs after the
 * fact and is never awaited by the worker; what it throws is logged.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class Readiness {
 *   @OnWorkerEvent('draining')
 *   onDraining(event: WorkerEvent) {
 *     this.health.markNotReady(`worker ${event.workerId} is draining`);
 *   }
 * }
 * ```
 */
export function OnWorkerEvent(type: WorkerEventType | readonly WorkerEventType[]): EventListenerDecorator<WorkerEvent> {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const existing = (Reflect.getMetadata(WORKER_EVENT_METADATA, method) as string[] | undefined) ?? [];
    const types: readonly string[] = typeof type === 'string' ? [type] : type;
    Reflect.defineMetadata(WORKER_EVENT_METADATA, [...existing, ...types], method);
  };
}
