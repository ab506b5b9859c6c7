import type { SlotClock } from '../config/schedule-timing.js';
import type { MissedRunPolicy } from '../interfaces/schedule-options.interface.js';

/** What the leader does about one schedule's due slots. */
export interface DueSlotPlan {
  /** Slots to fire now, oldest first: each becomes a task whose `run_at` is the slot. */
  fire: Date[];
  /** The schedule's new last slot (the latest due one, fired or not); null when no slot is due. */
  lastSlot: Date | null;
  /** Slots older than the grace period (missed while nobody could fire them); a lower bound when `missedMore`. */
  missed: number;
  missedMore: boolean;
  /** How many of `fire` are such missed slots (`missed: 'once'` or `'all'`). */
  backfilled: number;
}

/** The state of a schedule that decides its due slots. */
export interface DueSlotState {
  /** Every slot up to this instant was fired or skipped. */
  lastSlot: Date;
  missed: MissedRunPolicy;
  backfillLimit: number;
  graceMs: number;
  /**
   * Since when (database clock) this leader has been planning without a
   * failed pass, or null: slots that fell due after it were not missed,
   * however late the pass that fires them (a timer a few milliseconds late
   * must not make a `graceMs: 0` schedule skip its slots).
   */
  planningSince?: Date | null;
}

/**
 * Slots that fall in the grace period fired at most: only a grace period of
 * days on a period of 100 ms could reach it, and the latest ones are kept.
 */
const MAX_RECENT_SLOTS = 10_000;
/** Missed slots counted for the log line at most: past it the count reads "more than". */
const MISSED_COUNT_LIMIT = 1_000;

/**
 * Which of the slots in (`lastSlot`, `now`] fire, `now` being the database's
 * clock. Those at most `graceMs` old always fire: they fell due while the
 * lead changed hands, or during the pass itself; so do those that fell due
 * while this leader was planning (`planningSince`). Older ones were missed
 * while no instance could fire them, and follow the schedule's `missed`
 * policy: `'skip'` none, `'once'` the latest, `'all'` the latest
 * `backfillLimit`, oldest first. Pure: unit-tested without a database.
 */
export function planDueSlots(clock: SlotClock, state: DueSlotState, now: Date): DueSlotPlan {
  const graceStart = Math.min(now.getTime() - state.graceMs, state.planningSince?.getTime() ?? Infinity);
  // Slots ≥ graceStart are recent; between() excludes its lower bound.
  const recentFrom = new Date(Math.max(state.lastSlot.getTime(), graceStart - 1));
  let recent = clock.between(recentFrom, now, MAX_RECENT_SLOTS).slots;
  if (recent.length === MAX_RECENT_SLOTS) recent = clock.previousRuns(MAX_RECENT_SLOTS, new Date(now.getTime() + 1)).filter((s) => s > recentFrom);

  let older: Date[] = [];
  let missed = 0;
  let missedMore = false;
  if (state.lastSlot.getTime() < graceStart - 1) {
    const counted = clock.between(state.lastSlot, new Date(graceStart - 1), MISSED_COUNT_LIMIT);
    missed = counted.slots.length;
    missedMore = counted.more;
    // 'skip' still needs the latest missed slot: it becomes the last slot.
    const keep = state.missed === 'all' ? state.backfillLimit : 1;
    older = missed === 0 ? [] : clock.previousRuns(keep, new Date(graceStart)).filter((s) => s > state.lastSlot);
  }
  const fired = state.missed === 'skip' ? [] : older;
  const lastSlot = recent.at(-1) ?? older.at(-1) ?? null;
  return { fire: [...fired, ...recent], lastSlot, missed, missedMore, backfilled: fired.length };
}
