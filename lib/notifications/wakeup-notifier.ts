import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { TaskStore } from '../persistence/task-store.js';
import { MAX_NOTIFY_PAYLOAD_BYTES } from '../queued-tasks.constants.js';
import { wakeupPayload } from './queue-notification.js';

/**
 * Wakes idle workers after tasks are inserted, with at most one notification
 * in flight per process.
 *
 * Why not a NOTIFY in every insert: PostgreSQL serialises the commits of
 * notifying transactions (they cannot share a disk flush), so concurrent
 * enqueues would each wait for the previous one, halving single-enqueue
 * throughput. Why not always a separate NOTIFY after the insert: that is one
 * more round trip and disk flush before a worker hears of the task.
 *
 * So: the leading edge rides on the insert (`tryCarry()` says whether this
 * insert should carry its own NOTIFY); inserts that start while one is in
 * flight are plain, and whatever they added is announced when the in-flight
 * one is done: by the next insert if one starts within a turn of the event
 * loop and its NOTIFY covers them (same queue, due now), otherwise by one
 * trailing NOTIFY. Under steady load that leaves one notifying insert in
 * flight and no NOTIFY transaction of its own; an isolated insert costs
 * nothing extra.
 *
 * If a NOTIFY is lost (a crash between insert and NOTIFY), the task is
 * already durable and the workers' polling fallback finds it.
 */
@Injectable()
export class WakeupNotifier implements BeforeApplicationShutdown {
  private readonly logger = new Logger('QueuedTasks');
  private busy = false;
  private flushing: Promise<void> | null = null;
  private pendingQueues = new Set<string>();
  private pendingRunAt: number | null = null;
  private pendingDue = false;
  private hasPending = false;
  /** Pending wake-ups the in-flight carrying insert will announce, if it commits. */
  private covered: { queues: Set<string>; due: boolean } | null = null;

  constructor(private readonly store: TaskStore) {}

  /**
   * Before an insert into `queue` (due now unless `delayed`): true when it
   * should carry the wake-up itself; then call `carried()` once it finished.
   */
  tryCarry(queue: string, delayed: boolean): boolean {
    if (this.busy) return false;
    if (this.hasPending) {
      // Its NOTIFY wakes that queue now, which is all that pending plain
      // inserts (already committed) needed, provided it commits. If it
      // cannot cover them (another queue, a delayed task), it stays plain so
      // that the pending trailing NOTIFY is not held back by a stream of inserts.
      const covers = !delayed && this.pendingRunAt === null && [...this.pendingQueues].every((q) => q === queue);
      if (!covers) return false;
      this.covered = { queues: this.pendingQueues, due: this.pendingDue };
      this.clearPending();
    }
    this.busy = true;
    return true;
  }

  /** The carrying insert finished; `committed` false when it failed (its NOTIFY never left). */
  carried(committed: boolean): void {
    this.busy = false;
    if (this.covered && !committed) {
      for (const q of this.covered.queues) this.pendingQueues.add(q);
      this.pendingDue ||= this.covered.due;
      this.hasPending = true;
    }
    this.covered = null;
    // Give an insert starting right after this one the chance to carry what is pending.
    if (this.hasPending) setImmediate(() => this.hasPending && !this.busy && this.startFlush());
  }

  /** After a plain insert: `runAt` is the epoch ms when the earliest of its tasks is due. */
  wake(queue: string, runAt: number | null): void {
    this.wakeMany([{ queue, runAt }]);
  }

  /** After a plain insert of many tasks: each task's queue and run time (epoch ms), announced together. */
  wakeMany(tasks: Iterable<{ queue: string; runAt: number | null }>): void {
    const now = Date.now();
    for (const { queue, runAt } of tasks) {
      this.pendingQueues.add(queue);
      if (runAt === null || runAt <= now) this.pendingDue = true;
      else this.pendingRunAt = this.pendingRunAt === null ? runAt : Math.min(this.pendingRunAt, runAt);
      this.hasPending = true;
    }
    if (this.hasPending && !this.busy) this.startFlush();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /** Waits for notifications already requested, so nothing of ours is left in flight. */
  async drain(): Promise<void> {
    // A trailing flush may be one event-loop turn away.
    while (this.flushing || (this.hasPending && !this.busy)) {
      if (!this.flushing) this.startFlush();
      await this.flushing;
    }
  }

  private clearPending(): void {
    this.pendingQueues = new Set();
    this.pendingRunAt = null;
    this.pendingDue = false;
    this.hasPending = false;
  }

  private startFlush(): void {
    this.busy = true;
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
    });
  }

  private async flush(): Promise<void> {
    while (this.hasPending) {
      const queues = [...this.pendingQueues];
      // A due task wakes workers now; when delayed tasks came with it, the
      // payload says so (`s`), and workers read their next run time from the
      // database instead of trusting what they knew.
      const runAt = this.pendingDue ? null : this.pendingRunAt;
      const mixed = this.pendingDue && this.pendingRunAt !== null;
      this.clearPending();
      try {
        await this.store.notify(wakeupPayload(queues, runAt, MAX_NOTIFY_PAYLOAD_BYTES, mixed));
      } catch (error) {
        this.logger.warn(`Wake-up notification failed (${(error as Error).message}); workers will find the tasks by polling`);
      }
    }
    this.busy = false;
  }
}
