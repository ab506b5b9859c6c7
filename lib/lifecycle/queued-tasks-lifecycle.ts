import { Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { ScheduleExplorer } from '../discovery/schedule-explorer.js';
import { TaskExplorer } from '../discovery/task-explorer.js';
import { EventListenerExplorer } from '../events/event-listener-explorer.js';
import { TaskSchedules } from '../queue/task-schedules.service.js';
import { TaskWorker } from '../worker/task-worker.service.js';
import { BootstrapFailureCleanup } from './bootstrap-failure-cleanup.js';

/**
 * Drives the module's start, from above the layers it starts: handlers are
 * discovered at `onModuleInit` (before any application code's
 * `onApplicationBootstrap` may enqueue), and the worker starts at
 * `onApplicationBootstrap`, after `@Schedule()` declarations (checked at
 * discovery) are written. A step that throws releases what the module had
 * opened before the error goes on to Nest, which runs no shutdown hook for a
 * bootstrap that failed.
 */
@Injectable()
export class QueuedTasksLifecycle implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly explorer: TaskExplorer,
    private readonly worker: TaskWorker,
    private readonly cleanup: BootstrapFailureCleanup,
    private readonly eventListeners: EventListenerExplorer,
    private readonly scheduleExplorer: ScheduleExplorer,
    private readonly schedules: TaskSchedules,
  ) {}

  onModuleInit(): Promise<void> {
    return this.orReleaseAll(async () => {
      await this.explorer.explore();
      this.eventListeners.explore();
      this.schedules.prepareDeclared(this.scheduleExplorer.explore());
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.orReleaseAll(async () => {
      // Before the worker starts, so that a bootstrap that fails here has started nothing.
      await this.schedules.syncDeclared();
      await this.worker.start();
    });
  }

  private async orReleaseAll(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      await this.cleanup.release();
      throw error;
    }
  }
}
