import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { TaskStore } from '../persistence/task-store.js';
import { wakeupPayload } from './queue-notification.js';

/**
 * Sends the NOTIFY that wakes idle workers after tasks are inserted,
 * coalesced: at most one NOTIFY is in flight per process, and everything
 * inserted meanwhile rides on the next one (leading and trailing edge).
 *
 * Why not NOTIFY inside the INSERT's transaction: PostgreSQL serialises the
 * commits of notifying transactions, so every concurrent enqueue would wait
 * for the previous one's disk flush, halving single-enqueue throughput. Sent
 * this way a burst of inserts costs one or two NOTIFYs, and the first one
 * leaves as soon as the first insert commits, so pickup latency is one round
 * trip. If the NOTIFY is lost (crash between insert and notify), the task is
 * already durable and the workers' polling fallback finds it.
 */
@Injectable()
export class WakeupNotifier implements BeforeApplicationShutdown {
  private readonly logger = new Logger('QueuedTasks');
  private inFlight: Promise<void> | null = null;
  private pendingQueues = new Set<string>();
  private pendingRunAt: number | null = null;
  private pendingDue = false;
  private hasPending = false;

  constructor(private readonly store: TaskStore) {}

  /** `runAt` is the epoch ms of a delayed task, or null when it is due now. */
  wake(queue: string, runAt: number | null): void {
    this.pendingQueues.add(queue);
    if (runAt === null || runAt <= Date.now()) this.pendingDue = true;
    else this.pendingRunAt = this.pendingRunAt === null ? runAt : Math.min(this.pendingRunAt, runAt);
    this.hasPending = true;
    if (!this.inFlight) this.inFlight = this.flush();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /** Waits for notifications already requested, so nothing of ours is left in flight. */
  async drain(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private async flush(): Promise<void> {
    while (this.hasPending) {
      const queues = [...this.pendingQueues];
      // A due task wakes workers now; a worker that finds its queues drained
      // then reads the next run time itself, so a delayed task in the same
      // batch is not lost by sending no time for it.
      const runAt = this.pendingDue ? null : this.pendingRunAt;
      this.pendingQueues = new Set();
      this.pendingRunAt = null;
      this.pendingDue = false;
      this.hasPending = false;
      try {
        await this.store.notify(wakeupPayload(queues, runAt));
      } catch (error) {
        this.logger.warn(`Wake-up notification failed (${(error as Error).message}); workers will find the tasks by polling`);
      }
    }
    this.inFlight = null;
  }
}
