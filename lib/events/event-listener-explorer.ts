import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { InvalidEventListenerError } from '../errors/invalid-event-listener.error.js';
import { TASK_EVENT_TYPES, WORKER_EVENT_TYPES } from '../interfaces/task-event.interface.js';
import { providerMethods } from '../discovery/provider-methods.js';
import { EventMetadataAccessor } from './event-metadata.accessor.js';
import { checkTypes, compileFilter } from './task-event-filter.js';
import { TaskEventBus } from './task-event-bus.js';

/**
 * Finds every `@OnTaskEvent()` and `@OnWorkerEvent()` method among the
 * application's providers and hands it to the bus. Run once, at
 * `onModuleInit` (see QueuedTasksLifecycle), before any event can happen.
 */
@Injectable()
export class EventListenerExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: EventMetadataAccessor,
    private readonly bus: TaskEventBus,
  ) {}

  /** @throws UnknownTaskEventError, InvalidEventListenerError */
  explore(): void {
    for (const { wrapper, metatype, methodName, method } of providerMethods(this.discovery, this.scanner)) {
      const subscriptions = this.metadata.getTaskEventSubscriptions(method);
      const workerTypes = this.metadata.getWorkerEventTypes(method);
      if (subscriptions.length === 0 && workerTypes.length === 0) continue;
      const source = `${metatype.name}.${methodName}`;
      // Events fire outside any request: a request- or transient-scoped provider has no instance to call.
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
        throw new InvalidEventListenerError(source, 'its provider is request- or transient-scoped; event listeners must be on singleton providers');
      }
      const instance = wrapper.instance as Record<string, (event: unknown) => unknown>;
      const call = (event: unknown) => instance[methodName]!.call(instance, event);
      for (const { types, filter } of subscriptions) {
        const where = `@OnTaskEvent() of ${source}`;
        const checked = checkTypes(types, TASK_EVENT_TYPES, where);
        this.bus.addTaskListener(checked, { source, call, matcher: compileFilter(filter, where) });
      }
      if (workerTypes.length > 0) {
        this.bus.addWorkerListener(checkTypes(workerTypes, WORKER_EVENT_TYPES, `@OnWorkerEvent() of ${source}`), { source, call });
      }
    }
  }
}
