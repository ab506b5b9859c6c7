import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TASK_EVENT_METADATA, WORKER_EVENT_METADATA } from '../queued-tasks.constants.js';
import type { TaskEventSubscription } from '../decorators/on-task-event.decorator.js';

/** The only reader of `@OnTaskEvent()` and `@OnWorkerEvent()` metadata. */
@Injectable()
export class EventMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** The `@OnTaskEvent()` subscriptions of a method; empty when it has none. */
  getTaskEventSubscriptions(method: unknown): readonly TaskEventSubscription[] {
    if (typeof method !== 'function') return [];
    return this.reflector.get<TaskEventSubscription[] | undefined>(TASK_EVENT_METADATA, method) ?? [];
  }

  /** The `@OnWorkerEvent()` types of a method; empty when it has none. */
  getWorkerEventTypes(method: unknown): readonly string[] {
    if (typeof method !== 'function') return [];
    return this.reflector.get<string[] | undefined>(WORKER_EVENT_METADATA, method) ?? [];
  }
}
