import type { TaskStore } from '../persistence/task-store.js';
import { WakeupTimer } from './wakeup-timer.js';

/** First delay before looking again for a due task another worker may be claiming. */
const DUE_RETRY_MIN_MS = 10;

/**
 * Wakes an idle worker when its next delayed task or retry is due: at run
 * times it hears of (notifications, its own retries) and at the earliest one
 * the database knows of, measured on the database's clock.
 *
 * It also knows until when no scheduled task of its scope can be due, so
 * that claims before then leave out the promotion of scheduled tasks (half
 * the cost of a one-row claim, see claim-tasks.sql.ts). That knowledge
 * comes from the database (asked whenever a claim finds the queue drained)
 * lowered by every run time heard of since; it is dropped (claims promote
 * again) when a claim fails, and by {@link forget}: at each poll, after the
 * LISTEN connection comes back, at start. A retry another process scheduled
 * and never announced is promoted by that process's own timer, or at the
 * next poll.
 */
export class NextRunTimer {
  private readonly timer: WakeupTimer;
  private dueRetryMs = DUE_RETRY_MIN_MS;
  /** Epoch ms before which no scheduled task of this scope is known to become due; -Infinity: not known. */
  private quietUntil = -Infinity;
  /** Questions to the database in flight, each with the earliest run time heard of since it was asked. */
  private readonly asking = new Set<{ heard: number }>();

  constructor(
    private readonly store: TaskStore,
    private readonly scope: { queue: string | null; names: () => string[]; maxRetryMs: number },
    onDue: () => void,
  ) {
    // The timer fires at a run time it was told of: something may be due now,
    // even if Node fired it a millisecond before `quietUntil` by Date.now()
    // (timers run on another clock). Without forgetting, that claim would leave
    // out the promotion, find nothing, and, knowing the run time, not ask again
    // until the poll.
    this.timer = new WakeupTimer(() => {
      this.forget();
      onDue();
    });
  }

  /** A run time heard of (epoch ms). */
  armAt(epochMs: number): void {
    this.quietUntil = Math.min(this.quietUntil, epochMs);
    for (const question of this.asking) question.heard = Math.min(question.heard, epochMs);
    this.timer.armAt(epochMs);
  }

  /** A claim now should promote due scheduled tasks: one may be due, or nothing is known. */
  mayHaveDue(now = Date.now()): boolean {
    return now >= this.quietUntil;
  }

  /** Nothing is known any more about scheduled tasks: claims promote until the database is asked again. */
  forget(): void {
    this.quietUntil = -Infinity;
  }

  /** A claim found work: the next due-but-unclaimed look starts from the shortest delay again. */
  resetBackoff(): void {
    this.dueRetryMs = DUE_RETRY_MIN_MS;
  }

  /** Asks the database for the earliest pending run time and arms for it; `stillWanted` is checked after the query. */
  async armFromDatabase(stillWanted: () => boolean): Promise<void> {
    let ms: number | undefined;
    const question = { heard: Infinity };
    this.asking.add(question);
    try {
      ms = await this.store.msUntilNextRun(this.scope.queue, this.scope.names());
    } catch {
      this.forget();
      return; // The poll covers it.
    } finally {
      this.asking.delete(question);
    }
    // Run times heard of while asking may be of tasks the question's snapshot did not see.
    this.quietUntil = Math.min(ms === undefined ? Infinity : Date.now() + ms, question.heard);
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
