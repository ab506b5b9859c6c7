import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { InvalidScheduleError } from '../errors/invalid-schedule.error.js';
import type { ScheduleOptions } from '../interfaces/schedule-options.interface.js';
import { providerMethods } from './provider-methods.js';
import { TaskMetadataAccessor } from './task-metadata.accessor.js';
import { TaskRegistry } from './task-registry.js';

/** A `@Schedule()` found on a handler, before its options are checked. */
export interface DeclaredSchedule {
  key: string;
  /** The name of the task it fires (its `@QueuedTask()`'s). */
  task: string;
  options: ScheduleOptions;
  /** `@Schedule() of Reports.daily`, for errors. */
  where: string;
}

/**
 * Finds every `@Schedule()` among the application's providers, after the
 * task explorer filled the registry: a schedule names its task by the
 * handler's registered name.
 */
@Injectable()
export class ScheduleExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: TaskMetadataAccessor,
    private readonly registry: TaskRegistry,
  ) {}

  /** @throws InvalidScheduleError for a `@Schedule()` without `@QueuedTask()`, or a key declared twice */
  explore(): DeclaredSchedule[] {
    const byKey = new Map<string, DeclaredSchedule & { method: unknown }>();
    for (const { metatype, methodName, method } of providerMethods(this.discovery, this.scanner)) {
      const schedules = this.metadata.getSchedules(method);
      if (schedules.length === 0) continue;
      const where = `@Schedule() of ${metatype.name}.${methodName}`;
      if (!this.metadata.isTaskHandler(method)) {
        throw new InvalidScheduleError('@QueuedTask()', 'the method must also be a task: decorate it with @QueuedTask()', where);
      }
      const task = this.registry.getByMethod(metatype, methodName).name;
      for (const options of schedules) {
        const key = options?.key ?? task;
        const existing = byKey.get(key);
        // The same class listed in two modules declares its schedules once.
        if (existing && existing.method === method && existing.options === options) continue;
        if (existing) {
          throw new InvalidScheduleError('key', `${JSON.stringify(key)} is already the key of ${existing.where}; give each schedule its own key`, where);
        }
        byKey.set(key, { key, task, options, where, method });
      }
    }
    return [...byKey.values()].map(({ method: _method, ...declared }) => declared);
  }
}
