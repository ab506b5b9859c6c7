import { Logger } from '@nestjs/common';
import { QueueUnavailableError } from '../errors/queue-unavailable.error.js';
import type { ClaimedTaskRow } from '../persistence/sql/task-row.js';
import type { TaskStore } from '../persistence/task-store.js';
import { attemptKey, type AttemptRecorder } from './attempt-recorder.js';
import { sleepUntil } from './deadline.js';

/** A claimed row, with the worker incarnation that claimed it. */
export interface HeldRow {
  row: ClaimedTaskRow;
  workerId: string;
}

/**
 * Hands claimed rows back to `pending` without spending their attempt (claimed
 * ahead and never started, aborted at shutdown, held by a fenced incarnation),
 * and keeps track of hand-backs running in the background so that shutdown
 * can wait for them before it leaves the registry.
 */
export class TaskHandback {
  private readonly logger = new Logger('QueuedTasks');
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: TaskStore,
    private readonly recorder: AttemptRecorder,
  ) {}

  /** Hands `held` back, giving up at `deadline` (the rows are then rescued). Never rejects. */
  async release(held: readonly HeldRow[], deadline: number): Promise<void> {
    const byWorker = new Map<string, ClaimedTaskRow[]>();
    for (const { row, workerId } of held) byWorker.set(workerId, [...(byWorker.get(workerId) ?? []), row]);
    for (const [workerId, rows] of byWorker) {
      for (const row of rows) {
        this.recorder.forget({ id: row.id, attempt: row.attempts, workerId, key: attemptKey({ id: row.id, attempt: row.attempts, workerId }) });
      }
      const remaining = deadline - Date.now();
      try {
        if (remaining <= 0) throw new QueueUnavailableError('no time left');
        await this.store.release(workerId, rows, remaining);
      } catch (error) {
        this.logger.warn(`Could not hand back ${rows.length} task(s) (${(error as Error).message}); they will be rescued`);
      }
    }
  }

  /** {@link release} in the background, tracked for {@link settledBy}. */
  releaseLater(held: readonly HeldRow[], deadline: number): void {
    const release = this.release(held, deadline);
    this.inFlight.add(release);
    void release.finally(() => this.inFlight.delete(release));
  }

  /** Waits for the hand-backs in the background, until `deadline` at most. */
  async settledBy(deadline: number): Promise<void> {
    await Promise.race([Promise.all([...this.inFlight]), sleepUntil(deadline)]);
  }
}
