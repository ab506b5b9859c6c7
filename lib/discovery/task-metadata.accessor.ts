import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { QUEUED_TASK_METADATA } from '../queued-tasks.constants.js';
import type { QueuedTaskOptions } from '../interfaces/task-options.interface.js';

/** The only reader of `@QueuedTask()` metadata. */
@Injectable()
export class TaskMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  isTaskHandler(method: unknown): boolean {
    return typeof method === 'function' && this.reflector.get(QUEUED_TASK_METADATA, method) !== undefined;
  }

  getTaskOptions(method: (...args: never[]) => unknown): QueuedTaskOptions {
    return this.reflector.get<QueuedTaskOptions>(QUEUED_TASK_METADATA, method) ?? {};
  }
}
