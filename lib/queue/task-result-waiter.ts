import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { QueueUnavailableError } from '../errors/queue-unavailable.error.js';
import { TaskNotFoundError } from '../errors/task-not-found.error.js';
import { TaskResultTimeoutError } from '../errors/task-result-timeout.error.js';
import { FINISHED_STATES } from '../interfaces/task-info.interface.js';
import { NotificationListener } from '../notifications/notification-listener.js';
import { TaskStore, type TaskOutcomeRow } from '../persistence/task-store.js';
import type { CancelledRow, CancelledTask } from '../persistence/task-store-types.js';
import { QueueEvents } from '../events/queue-events.js';

/**
 * Safety net only: waiters are settled by `finished` notifications. This slow
 * re-read covers a notification lost in a way the listener could not notice.
 */
const SAFETY_RECHECK_MS = 15_000;

interface Waiter {
  resolve(outcome: TaskOutcomeRow): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | null;
}

/**
 * Waits for tasks to reach a final state, in any process (including one that
 * runs no workers), without polling: it listens for the `finished`
 * notifications workers send when they complete or fail tasks, reads the
 * outcome of the ids it waits for in one query, and re-reads everything
 * after the LISTEN connection was re-established.
 */
@Injectable()
export class TaskResultWaiter implements OnApplicationShutdown {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private subscriptions: Subscription[] = [];
  private safetyTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly store: TaskStore,
    private readonly listener: NotificationListener,
    private readonly events: QueueEvents,
  ) {
    listener.wantFinished(() => this.waiters.size > 0);
  }

  /**
   * Cancels tasks (for TaskQueue and TaskRef alike, which both hold this
   * service): one road, so that the `cancelled` event of each task that was
   * waiting fires once, in this process.
   */
  async cancel(ids: readonly string[]): Promise<CancelledRow[]> {
    const rows = await this.store.cancel(ids);
    this.events.cancelled(rows.filter((row): row is CancelledRow & CancelledTask => row.outcome === 'cancelled'));
    return rows;
  }

  /** Resolves with the task's final outcome; rejects with TaskResultTimeoutError after `timeoutMs`. */
  async wait(id: string, timeoutMs?: number): Promise<TaskOutcomeRow> {
    if (this.closed) throw new QueueUnavailableError('the application is shutting down');
    this.subscribe();
    const outcome = new Promise<TaskOutcomeRow>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: null };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          this.remove(id, waiter);
          reject(new TaskResultTimeoutError(id, timeoutMs));
        }, timeoutMs);
      }
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      set.add(waiter);
    });
    // Handled from the start: a short timeout can fire during the awaits
    // below, before the caller has the promise, and an unhandled rejection
    // would end the process (the caller still gets it through `return`).
    outcome.catch(() => undefined);
    this.armSafetyTimer();
    try {
      // LISTEN must be in place before the first read, or a task finishing
      // between the read and the LISTEN would be missed.
      await this.listener.start();
      await this.check([id]);
    } catch (error) {
      this.settleAll([id], (waiter) => waiter.reject(error));
    }
    return outcome;
  }

  onApplicationShutdown(): void {
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    this.settleAll([...this.waiters.keys()], (waiter) =>
      waiter.reject(new QueueUnavailableError('the application is shutting down')),
    );
  }

  private subscribe(): void {
    if (this.subscriptions.length > 0) return;
    this.subscriptions.push(
      this.listener.notifications$.subscribe((notification) => {
        if (notification.kind !== 'finished') return;
        const ids = notification.ids.filter((id) => this.waiters.has(id));
        if (ids.length > 0) void this.check(ids).catch(() => undefined);
      }),
      this.listener.reconnected$.subscribe(() => void this.check([...this.waiters.keys()]).catch(() => undefined)),
    );
  }

  private async check(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const outcomes = await this.store.getOutcomes(ids);
    const found = new Set(outcomes.map((outcome) => outcome.id));
    for (const outcome of outcomes) {
      if (FINISHED_STATES.includes(outcome.state)) this.settleAll([outcome.id], (waiter) => waiter.resolve(outcome));
    }
    const missing = ids.filter((id) => !found.has(id));
    this.settleAll(missing, (waiter) => waiter.reject(new TaskNotFoundError(missing[0]!)));
  }

  private settleAll(ids: string[], settle: (waiter: Waiter) => void): void {
    for (const id of ids) {
      const set = this.waiters.get(id);
      if (!set) continue;
      this.waiters.delete(id);
      for (const waiter of set) {
        if (waiter.timer) clearTimeout(waiter.timer);
        settle(waiter);
      }
    }
    this.disarmSafetyTimerIfIdle();
  }

  private remove(id: string, waiter: Waiter): void {
    const set = this.waiters.get(id);
    set?.delete(waiter);
    if (set && set.size === 0) this.waiters.delete(id);
    this.disarmSafetyTimerIfIdle();
  }

  private armSafetyTimer(): void {
    if (this.safetyTimer) return;
    this.safetyTimer = setInterval(
      () => void this.check([...this.waiters.keys()]).catch(() => undefined),
      SAFETY_RECHECK_MS,
    );
  }

  private disarmSafetyTimerIfIdle(): void {
    if (this.waiters.size === 0 && this.safetyTimer) {
      clearInterval(this.safetyTimer);
      this.safetyTimer = null;
    }
  }
}
