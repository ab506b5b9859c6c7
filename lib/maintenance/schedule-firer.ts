import { Injectable, Logger } from '@nestjs/common';
import { merge, type Subscription } from 'rxjs';
import { filter } from 'rxjs/operators';
import { slotClock, type SlotClock } from '../config/schedule-timing.js';
import { TaskRegistry } from '../discovery/task-registry.js';
import { TaskEventBus } from '../events/task-event-bus.js';
import { NotificationListener } from '../notifications/notification-listener.js';
import { ScheduleStore, type ActiveScheduleRow } from '../persistence/schedule-store.js';
import { timingOf } from '../queue/prepare-schedule.js';
import { planDueSlots, type DueSlotPlan } from './plan-due-slots.js';

/**
 * The timer fires this long after a slot by the database's clock: the
 * offset between the clocks is measured from one round trip, and a timer
 * that fires a few ms early would find nothing due and wait again.
 */
const TIMER_SLACK_MS = 5;
/** Longest wait armed at once; the leader's passes re-plan far more often anyway. */
const MAX_TIMER_MS = 3_600_000;

/**
 * Fires schedules, on the maintenance leader only (see docs/schedules.md).
 *
 * States: idle (not leading) → leading, with at most one pass running and a
 * timer armed on the earliest next slot of all active schedules. A pass reads
 * them with the database's clock, fires each one's due slots (one statement
 * each, a compare-and-set that makes a slot fire once whatever the number of
 * leaders), and arms the timer. Passes start on that timer, on each pass of
 * the leader (every `rescueIntervalMs`: a new leader fires at once, a lost
 * notification costs one interval), and on a `schedules` notification (an
 * upsert, pause, resume or removal on any instance). A request during a
 * pass runs one more pass after it.
 */
@Injectable()
export class ScheduleFirer {
  private readonly logger = new Logger('QueuedTasks');
  private stillLeading: (() => boolean) | null = null;
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Keys whose unknown task, or unreadable definition, was reported: once per process, not per pass. */
  private readonly reported = new Set<string>();
  private lastFailure = '';
  /** Database time of the first pass of this lead since the last failed one (see DueSlotState.planningSince). */
  private planningSince: Date | null = null;

  constructor(
    private readonly store: ScheduleStore,
    private readonly registry: TaskRegistry,
    private readonly listener: NotificationListener,
    private readonly events: TaskEventBus,
  ) {}

  /** Called on every pass of the leader while it leads; `stillLeading` is asked before each pass. */
  lead(stillLeading: () => boolean): void {
    if (this.stopped) return;
    if (!this.stillLeading) {
      this.stillLeading = stillLeading;
      this.subscription = merge(this.listener.notifications$.pipe(filter((n) => n.kind === 'schedules')), this.listener.reconnected$).subscribe(() =>
        this.replan(),
      );
      // Failures are the listener's to log and retry; the leader's passes cover the gap.
      void this.listener.start().catch(() => undefined);
    }
    this.replan();
  }

  /** The lead was lost: no more passes until the next `lead()`. */
  standDown(): void {
    this.stillLeading = null;
    this.planningSince = null;
    this.subscription?.unsubscribe();
    this.subscription = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Shutdown: no pass after the one running, which is awaited. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.standDown();
    await this.inFlight;
  }

  private replan(): void {
    if (!this.stillLeading || this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight = this.pass().then((delayMs) => {
      this.inFlight = null;
      if (this.again) {
        this.again = false;
        this.replan();
      } else if (delayMs !== null && this.stillLeading && !this.stopped) {
        this.timer = setTimeout(() => this.replan(), delayMs);
      }
    });
  }

  /** @returns ms until the earliest next slot, or null when there is none (or the pass failed: the leader's next pass retries). */
  private async pass(): Promise<number | null> {
    if (!this.stillLeading?.()) {
      this.standDown();
      return null;
    }
    try {
      const sentAt = Date.now();
      const rows = await this.store.readActive();
      // The database's clock minus ours, read at the middle of the round trip.
      const offsetMs = rows.length > 0 ? rows[0]!.db_now.getTime() - (sentAt + Date.now()) / 2 : 0;
      // Set by the first pass that reads the clock; slots due after it are on time, not missed.
      const planningSince = this.planningSince;
      if (planningSince === null && rows.length > 0) this.planningSince = rows[0]!.db_now;
      let earliest = Infinity;
      for (const row of rows) {
        if (this.stopped) return null;
        const next = await this.fireDue(row, planningSince);
        if (next !== null) earliest = Math.min(earliest, next.getTime());
      }
      this.lastFailure = '';
      if (earliest === Infinity) return null;
      return Math.min(MAX_TIMER_MS, Math.max(0, earliest - (Date.now() + offsetMs) + TIMER_SLACK_MS));
    } catch (error) {
      const message = (error as Error).message;
      // One line per kind of failure while it lasts, not one per pass.
      if (message !== this.lastFailure) this.logger.warn(`Schedule pass failed: ${message}`);
      this.lastFailure = message;
      // Slots that fall due until the next good pass may be missed (the database away): their policy decides.
      this.planningSince = null;
      return null;
    }
  }

  /** Fires what is due of one schedule. @returns its next slot, or null. */
  private async fireDue(row: ActiveScheduleRow, planningSince: Date | null): Promise<Date | null> {
    const clock = this.clockOf(row);
    if (!clock) return null;
    this.reportUnknownTask(row);
    const plan = planDueSlots(
      clock,
      { lastSlot: row.last_slot, missed: row.missed, backfillLimit: row.backfill_limit, graceMs: row.grace_ms, planningSince },
      row.db_now,
    );
    if (plan.lastSlot !== null) {
      const { advanced, ids, queue } = await this.store.fire(row.key, row.revision, plan.lastSlot, plan.fire);
      // Changed since it was read (an upsert, a pause, another leader's fire): read it again.
      if (!advanced) this.again = true;
      else this.report(row, plan, ids);
      const at = new Date();
      for (const taskId of ids) this.events.emit({ type: 'enqueued', taskId, name: row.task, queue: queue!, inTransaction: false, at });
    }
    // The last slot is ahead of the clock only just after a write that started the schedule from now.
    return clock.next(row.last_slot > row.db_now ? row.last_slot : row.db_now);
  }

  /** A row written by hand, or by a newer version, may not parse here: reported once, left alone. */
  private clockOf(row: ActiveScheduleRow): SlotClock | null {
    try {
      return slotClock(timingOf(row));
    } catch (error) {
      if (!this.reported.has(`timing:${row.key}`)) {
        this.reported.add(`timing:${row.key}`);
        this.logger.warn(`Schedule ${JSON.stringify(row.key)} is not fired: its timing does not parse here (${(error as Error).message})`);
      }
      return null;
    }
  }

  /**
   * The task may be registered only in other processes (this one may run no
   * workers), so it is enqueued anyway; a name no process registers waits
   * `pending` for ever, hence the warning, once per schedule and process.
   */
  private reportUnknownTask(row: ActiveScheduleRow): void {
    if (this.registry.findByName(row.task) || this.reported.has(`task:${row.key}`)) return;
    this.reported.add(`task:${row.key}`);
    this.logger.warn(
      `Schedule ${JSON.stringify(row.key)} fires task ${JSON.stringify(row.task)}, which this process does not register: ` +
        'its runs are enqueued by name for workers of other processes; if none registers it, they wait for ever',
    );
  }

  private report(row: ActiveScheduleRow, plan: DueSlotPlan, ids: readonly string[]): void {
    if (plan.missed > 0) {
      const missed = `${plan.missedMore ? 'more than ' : ''}${plan.missed} slot(s) of schedule ${JSON.stringify(row.key)} fell due more than ${row.grace_ms} ms ago`;
      const action = plan.backfilled === 0 ? 'skipped them' : `ran ${plan.backfilled === 1 ? 'the latest' : `the latest ${plan.backfilled}`}`;
      this.logger.warn(`Missed runs: ${missed} while no instance could fire them; missed: '${row.missed}' ${action}`);
    }
    plan.fire.forEach((slot, i) => this.logger.debug(`Schedule ${JSON.stringify(row.key)} fired slot ${slot.toISOString()} as task ${ids[i]}`));
  }
}
