import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import type { TaskStore } from '../persistence/task-store.js';

/**
 * This worker's row in the registry and its heartbeat: the liveness every
 * process's rescue judges by. Registered before the first claim, beating
 * until the last write of shutdown, then removed.
 */
export class WorkerRegistration {
  private readonly logger = new Logger('QueuedTasks');
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;

  constructor(
    private readonly store: TaskStore,
    private readonly worker: { id: string; queues: string[] | null; concurrency: number },
  ) {}

  async register(): Promise<void> {
    await this.store.registerWorker(this.row());
  }

  startHeartbeat(intervalMs: number): void {
    this.timer = setInterval(() => this.beat(), intervalMs);
  }

  /** Stops beating and leaves the registry: tasks still marked as ours become rescuable at once. */
  async deregister(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    await this.store.deregisterWorker(this.worker.id).catch((error: Error) => {
      this.logger.warn(`Could not deregister worker ${this.worker.id}: ${error.message}`);
    });
  }

  private beat(): void {
    if (this.beating) return;
    this.beating = (async () => {
      try {
        if (!(await this.store.heartbeat(this.worker.id))) {
          this.logger.warn(`Worker ${this.worker.id} was presumed dead by another process; registering again`);
          await this.register();
        }
      } catch (error) {
        this.logger.warn(`Heartbeat failed: ${(error as Error).message}`);
      } finally {
        this.beating = null;
      }
    })();
  }

  private row() {
    return { ...this.worker, hostname: hostname(), pid: process.pid };
  }
}
