import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUED_TASKS_CONFIG } from '../queued-tasks.constants.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { TaskStore } from '../persistence/task-store.js';

/**
 * Runs in every process, workers or not: periodically hands the running tasks
 * of dead workers (no heartbeat within the lease) back to `pending`, or ends
 * them `failed` when their attempts are spent. Any number of processes may do
 * this at once; the statement makes it safe.
 */
@Injectable()
export class OrphanRescuer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('QueuedTasks');
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    @Inject(QUEUED_TASKS_CONFIG) private readonly config: ResolvedQueuedTasksConfig,
    private readonly store: TaskStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.rescue(), this.config.worker.rescueIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /** One pass; exposed for tests and for a CLI. */
  rescue(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = (async () => {
      try {
        const rescued = await this.store.rescueOrphaned(this.config.worker.leaseMs);
        if (rescued > 0) this.logger.warn(`Rescued ${rescued} task(s) of workers that stopped heartbeating`);
        await this.store.pruneDeadWorkers(this.config.worker.leaseMs);
      } catch (error) {
        this.logger.warn(`Rescue of orphaned tasks failed: ${(error as Error).message}`);
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }
}
