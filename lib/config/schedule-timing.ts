import { Cron } from 'croner';

/** When a schedule fires, once validated (see validate-schedule.ts). */
export type ScheduleTiming = { kind: 'cron'; cron: string; timezone: string } | { kind: 'every'; everyMs: number };

/** Slots of one schedule: instants, computed the same way by every instance. */
export interface SlotClock {
  /** The first slot strictly after `after`, or null when the pattern has none left. */
  next(after: Date): Date | null;
  /** The first `count` slots strictly after `after`, oldest first. */
  nextRuns(count: number, after: Date): Date[];
  /** The latest `count` slots strictly before `before`, oldest first. */
  previousRuns(count: number, before: Date): Date[];
  /** The slots in (`from`, `to`], oldest first, at most `limit` of them; `more` when that left some out. */
  between(from: Date, to: Date, limit: number): { slots: Date[]; more: boolean };
}

/**
 * The slot clock of a timing. Cron patterns go through croner, which reads
 * them in their time zone and handles DST: a fixed-time job (`30 2 * * *`)
 * whose time falls in the spring-forward gap runs at the first valid time
 * after it, and once when the time occurs twice; a job with a wildcard or a
 * step in its seconds, minutes or hours skips times in the gap and runs at
 * both occurrences of a repeated time (docs/schedules.md has the table).
 * Periods are multiples of `everyMs` since the Unix epoch: no time zone.
 *
 * @throws whatever croner throws for a bad pattern or time zone (validate first)
 */
export function slotClock(timing: ScheduleTiming): SlotClock {
  return timing.kind === 'every' ? periodClock(timing.everyMs) : cronClock(timing.cron, timing.timezone);
}

function cronClock(pattern: string, timezone: string): SlotClock {
  // `paused` and no callback: croner only computes, it never starts a timer.
  const cron = new Cron(pattern, { timezone, paused: true, mode: '5-or-6-parts' });
  return {
    next: (after) => cron.nextRun(after),
    nextRuns: (count, after) => cron.nextRuns(count, after),
    previousRuns: (count, before) => cron.previousRuns(count, before).reverse(),
    between: (from, to, limit) => {
      const slots: Date[] = [];
      for (let slot = cron.nextRun(from); slot !== null && slot.getTime() <= to.getTime(); slot = cron.nextRun(slot)) {
        if (slots.length === limit) return { slots, more: true };
        slots.push(slot);
      }
      return { slots, more: false };
    },
  };
}

function periodClock(everyMs: number): SlotClock {
  const next = (after: Date) => new Date((Math.floor(after.getTime() / everyMs) + 1) * everyMs);
  return {
    next,
    nextRuns: (count, after) => {
      const first = next(after).getTime();
      return Array.from({ length: count }, (_, i) => new Date(first + i * everyMs));
    },
    previousRuns: (count, before) => {
      const latest = (Math.ceil(before.getTime() / everyMs) - 1) * everyMs;
      return Array.from({ length: count }, (_, i) => new Date(latest - (count - 1 - i) * everyMs));
    },
    between: (from, to, limit) => {
      const first = next(from).getTime();
      const total = first > to.getTime() ? 0 : Math.floor((to.getTime() - first) / everyMs) + 1;
      const kept = Math.min(total, limit);
      return { slots: Array.from({ length: kept }, (_, i) => new Date(first + i * everyMs)), more: total > kept };
    },
  };
}
