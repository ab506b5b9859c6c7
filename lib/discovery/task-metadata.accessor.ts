import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { QUEUED_TASK_METADATA, SCHEDULE_METADATA, TASK_INTERCEPTORS_METADATA } from '../queued-tasks.constants.js';
import type { ScheduleOptions } from '../interfaces/schedule-options.interface.js';
import type { QueuedTaskOptions } from '../interfaces/task-options.interface.js';

/** The only reader of `@QueuedTask()`, `@Schedule()` and `@UseTaskInterceptors()` metadata. */
@Injectable()
export class TaskMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  isTaskHandler(method: unknown): boolean {
    return typeof method === 'function' && this.reflector.get(QUEUED_TASK_METADATA, method) !== undefined;
  }

  getTaskOptions(method: (...args: never[]) => unknown): QueuedTaskOptions {
    return this.reflector.get<QueuedTaskOptions>(QUEUED_TASK_METADATA, method) ?? {};
  }

  /** What `@Schedule()` put on a method, in source order, as given (checked by TaskSchedules). */
  getSchedules(method: unknown): ScheduleOptions[] {
    return typeof method === 'function' ? (this.reflector.get<ScheduleOptions[] | undefined>(SCHEDULE_METADATA, method) ?? []) : [];
  }

  /**
   * What `@UseTaskInterceptors()` put on the class and on the method, as
   * given: the explorer validates them (a bad value must fail bootstrap
   * with its place named, not here with a TypeError).
   */
  getInterceptors(target: object, method: (...args: never[]) => unknown): { onClass: unknown[]; onMethod: unknown[] } {
    return {
      onClass: this.reflector.get<unknown[] | undefined>(TASK_INTERCEPTORS_METADATA, target as never) ?? [],
      onMethod: this.reflector.get<unknown[] | undefined>(TASK_INTERCEPTORS_METADATA, method) ?? [],
    };
  }
}
