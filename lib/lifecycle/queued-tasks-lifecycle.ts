import { Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { TaskExplorer } from '../discovery/task-explorer.js';
import { TaskWorker } from '../worker/task-worker.service.js';
import { BootstrapFailureCleanup } from './bootstrap-failure-cleanup.js';

/**
 * Drives the module's start, from above the layers it starts: handlers are
 * discovered at `onModuleInit` (before any application code's
 * `onApplicationBootstrap` may enqueue), and the worker starts at
 * `onApplicationBootstrap`. A step that throws releases what the module had
 * opened before the error goes on to Nest, which runs no shutdown hook for a
 * bootstrap that failed.
 */
@Injectable()
export class QueuedTasksLifecycle implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly explorer: TaskExplorer,
    private readonly worker: TaskWorker,
    private readonly cleanup: BootstrapFailureCleanup,
  ) {}

  onModuleInit(): Promise<void> {
    return this.orReleaseAll(async () => this.explorer.explore());
  }

  onApplicationBootstrap(): Promise<void> {
    return this.orReleaseAll(() => this.worker.start());
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
