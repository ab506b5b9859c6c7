import { Injectable } from '@nestjs/common';
import { TaskWorker } from './task-worker.service.js';

/** What {@link WorkerStatus.snapshot} returns. */
export interface WorkerStatusSnapshot {
  /** True while this process claims and runs tasks (false before bootstrap, while draining, with `worker.enabled: false`). */
  running: boolean;
  /** Tasks this process is running now. */
  activeCount: number;
  /** This worker's id in the registry (a new one after it fenced itself and registered again); null before it starts. */
  id: string | null;
  /** Queues this process serves; null for every queue. */
  queues: string[] | null;
  /** Tasks this process runs at once, over all its queues. */
  concurrency: number;
}

/**
 * A read-only view of this process's worker, for health checks and
 * dashboards. Inject it anywhere.
 *
 * @example
 * ```ts
 * const { running, activeCount } = workerStatus.snapshot();
 * ```
 */
@Injectable()
export class WorkerStatus {
  constructor(private readonly worker: TaskWorker) {}

  snapshot(): WorkerStatusSnapshot {
    return {
      running: this.worker.isRunning,
      activeCount: this.worker.activeCount,
      id: this.worker.id,
      queues: this.worker.queues,
      concurrency: this.worker.concurrency,
    };
  }
}
