import type { TaskStore } from '../persistence/task-store.js';
import { WakeupTimer } from './wakeup-timer.js';

/** First delay before looking again for a due task another worker may be claiming. */
const DUE_RETRY_MIN_MS = 10;

/**
 * Wakes an idle worker when its next delayed task or retry is due: at run
 * times it hears of (notifications, its own retries) and at the earliest one
 * the database knows of, measured on the database's clock.
 */
export class NextRunTimer {
  private readonly timer: WakeupTimer;
  private dueRetryMs = DUE_RETRY_MIN_MS;

  constructor(
    private readonly store: TaskStore,
    private readonly scope: { queue: string | null; names: () => string[]; maxRetryMs: number },
    onDue: () => void,
  ) {
    this.timer = new WakeupTimer(onDue);
  }

  /** A run time heard of (epoch ms). */
  armAt(epochMs: number): void {
    this.timer.armAt(epochMs);
  }

  /** A claim found work: the next due-but-unclaimed look starts from the shortest delay again. */
  resetBackoff(): void {
    this.dueRetryMs = DUE_RETRY_MIN_MS;
  }

  /** Asks the database for the earliest pending run time and arms for it; `stillWanted` is checked after the query. */
  async armFromDatabase(stillWanted: () => boolean): Promise<void> {
    let ms: number | undefined;
    try {
      ms = await this.store.msUntilNextRun(this.scope.queue, this.scope.names());
    } catch {
      return; // The poll covers it.
    }
    if (ms === undefined || !stillWanted()) return;
    if (ms > 0) {
      this.resetBackoff();
      this.timer.armAt(Date.now() + ms);
      return;
    }
    // Due but not claimed by us: it became due just after our claim looked,
    // or another worker's claim holds it. Look again soon, backing off so a
    // row held for long does not make us spin.
    this.timer.armAt(Date.now() + this.dueRetryMs);
    this.dueRetryMs = Math.min(this.dueRetryMs * 2, this.scope.maxRetryMs);
  }

  clear(): void {
    this.timer.clear();
  }
}
