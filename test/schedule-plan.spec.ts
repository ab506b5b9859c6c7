/**
 * Pure logic of schedules, no database: validation of schedule options, the
 * slot clocks (periods and cron patterns), and which due slots fire under
 * each missed-run policy.
 */
import { slotClock } from '../lib/config/schedule-timing.js';
import { validateScheduleRun, validateScheduleText } from '../lib/config/validate-schedule.js';
import { planDueSlots, type DueSlotState } from '../lib/maintenance/plan-due-slots.js';
import { InvalidScheduleError, InvalidTaskOptionsError } from '../lib/index.js';

const at = (iso: string) => new Date(iso);
const isos = (dates: readonly Date[]) => dates.map((d) => d.toISOString());

describe('schedule options', () => {
  const where = 'schedule "x"';

  it('resolves defaults', () => {
    expect(validateScheduleRun({ everyMs: 60_000 }, where)).toEqual({ timing: { kind: 'every', everyMs: 60_000 }, missed: 'once', backfillLimit: 100, graceMs: 60_000 });
    expect(validateScheduleRun({ cron: '*/10 * * * * *' }, where).timing).toEqual({ kind: 'cron', cron: '*/10 * * * * *', timezone: 'UTC' });
  });

  it.each([
    [{}, 'cron', 'give exactly one of cron and everyMs'],
    [{ cron: '* * * * *', everyMs: 1_000 }, 'everyMs', 'give exactly one of cron and everyMs'],
    [{ everyMs: 0 }, 'everyMs', 'must be an integer from 100'],
    [{ everyMs: 1.5 }, 'everyMs', 'must be an integer from 100'],
    [{ everyMs: '1000' }, 'everyMs', 'got "1000"'],
    [{ everyMs: 1_000, timezone: 'UTC' }, 'timezone', 'applies to cron only'],
    [{ cron: 'every day' }, 'cron', 'exactly five, six, or seven space separated parts'],
    [{ cron: '61 * * * *' }, 'cron', 'Invalid value for minute: 61'],
    [{ cron: '0 0 0 9 * * 2030' }, 'cron', 'requires exactly 5 or 6 parts'],
    [{ cron: '0 0 30 2 *' }, 'cron', 'matches no future instant'],
    [{ cron: '' }, 'cron', 'must be a cron pattern'],
    [{ cron: '0 9 * * *', timezone: 'Mars/Olympus' }, 'timezone', 'is not a time zone'],
    [{ everyMs: 1_000, missed: 'some' }, 'missed', 'must be "skip", "once" or "all"'],
    [{ everyMs: 1_000, backfillLimit: 0 }, 'backfillLimit', 'from 1 to 10000'],
    [{ everyMs: 1_000, graceMs: -1 }, 'graceMs', 'from 0 to'],
  ])('refuses %j (%s)', (options, option, reason) => {
    let thrown: unknown;
    try {
      validateScheduleRun(options as never, where);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidScheduleError);
    expect(thrown).toMatchObject({ option, source: where });
    expect((thrown as Error).message).toContain(reason);
  });

  it('checks task options with the task options validator', () => {
    expect(() => validateScheduleRun({ everyMs: 1_000, queue: 'no spaces' }, where)).toThrow(InvalidTaskOptionsError);
    expect(() => validateScheduleRun({ everyMs: 1_000, maxAttempts: 0 }, where)).toThrow(InvalidTaskOptionsError);
  });

  it('refuses empty, long and unprintable keys', () => {
    expect(validateScheduleText('key', 'tenant-42-sync', where)).toBe('tenant-42-sync');
    for (const key of ['', 'k'.repeat(201), 'a\nb', 42, null]) {
      expect(() => validateScheduleText('key', key, where)).toThrow(InvalidScheduleError);
    }
    expect(validateScheduleText('key', 'k'.repeat(200), where)).toHaveLength(200);
  });
});

describe('slot clocks', () => {
  it('counts periods from the Unix epoch, whatever the reference', () => {
    const clock = slotClock({ kind: 'every', everyMs: 5 * 60_000 });
    expect(clock.next(at('2026-01-01T10:02:31.123Z'))!.toISOString()).toBe('2026-01-01T10:05:00.000Z');
    expect(clock.next(at('2026-01-01T10:05:00.000Z'))!.toISOString()).toBe('2026-01-01T10:10:00.000Z');
    expect(isos(clock.nextRuns(2, at('2026-01-01T10:00:00.000Z')))).toEqual(['2026-01-01T10:05:00.000Z', '2026-01-01T10:10:00.000Z']);
    expect(isos(clock.previousRuns(2, at('2026-01-01T10:10:00.000Z')))).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T10:05:00.000Z']);
    expect(clock.between(at('2026-01-01T10:00:00.000Z'), at('2026-01-01T10:20:00.000Z'), 3)).toEqual({
      slots: [at('2026-01-01T10:05:00.000Z'), at('2026-01-01T10:10:00.000Z'), at('2026-01-01T10:15:00.000Z')],
      more: true,
    });
  });

  it('agrees between periods and the equivalent cron pattern', () => {
    const period = slotClock({ kind: 'every', everyMs: 15 * 60_000 });
    const cron = slotClock({ kind: 'cron', cron: '*/15 * * * *', timezone: 'UTC' });
    const from = at('2026-05-05T05:07:08.009Z');
    expect(isos(cron.nextRuns(10, from))).toEqual(isos(period.nextRuns(10, from)));
    expect(isos(cron.previousRuns(10, from))).toEqual(isos(period.previousRuns(10, from)));
    expect(cron.between(from, at('2026-05-05T09:00:00Z'), 100)).toEqual(period.between(from, at('2026-05-05T09:00:00Z'), 100));
  });

  it('reads seconds-level patterns', () => {
    const clock = slotClock({ kind: 'cron', cron: '*/10 * * * * *', timezone: 'UTC' });
    expect(isos(clock.nextRuns(2, at('2026-01-01T00:00:05.500Z')))).toEqual(['2026-01-01T00:00:10.000Z', '2026-01-01T00:00:20.000Z']);
  });
});

describe('due slots and the missed-run policy', () => {
  const clock = slotClock({ kind: 'every', everyMs: 60_000 });
  const now = at('2026-01-01T12:00:30.000Z');
  const state = (lastSlot: string, missed: DueSlotState['missed'], extra: Partial<DueSlotState> = {}): DueSlotState => ({
    lastSlot: at(lastSlot),
    missed,
    backfillLimit: 100,
    graceMs: 60_000,
    ...extra,
  });

  it('fires nothing when no slot is due', () => {
    expect(planDueSlots(clock, state('2026-01-01T12:00:00.000Z', 'once'), now)).toEqual({ fire: [], lastSlot: null, missed: 0, missedMore: false, backfilled: 0 });
  });

  it('fires the slots within the grace period, whatever the policy', () => {
    for (const missed of ['skip', 'once', 'all'] as const) {
      const plan = planDueSlots(clock, state('2026-01-01T11:59:00.000Z', missed), now);
      expect(isos(plan.fire)).toEqual(['2026-01-01T12:00:00.000Z']);
      expect(plan).toMatchObject({ lastSlot: at('2026-01-01T12:00:00.000Z'), missed: 0, backfilled: 0 });
    }
    // Exactly graceMs old is within it.
    const edge = planDueSlots(clock, state('2026-01-01T11:58:00.000Z', 'skip', { graceMs: 90_000 }), now);
    expect(isos(edge.fire)).toEqual(['2026-01-01T11:59:00.000Z', '2026-01-01T12:00:00.000Z']);
  });

  it('fires a slot the leader was planning for, however late the pass and however short graceMs', () => {
    // graceMs 0: the slot of 12:00:00 fired 30 s late by a leader planning since 11:59:30 is on time...
    const late = planDueSlots(clock, state('2026-01-01T11:59:00.000Z', 'skip', { graceMs: 0, planningSince: at('2026-01-01T11:59:30.000Z') }), now);
    expect(isos(late.fire)).toEqual(['2026-01-01T12:00:00.000Z']);
    expect(late).toMatchObject({ missed: 0, backfilled: 0 });
    // ...and missed when nobody was planning then (a black-box review found every slot of such a schedule skipped: the
    // leader fires each a few milliseconds late).
    const unplanned = planDueSlots(clock, state('2026-01-01T11:59:00.000Z', 'skip', { graceMs: 0, planningSince: at('2026-01-01T12:00:10.000Z') }), now);
    expect(unplanned).toMatchObject({ fire: [], missed: 1 });
  });

  it("'skip' fires no older slot and moves past them", () => {
    const plan = planDueSlots(clock, state('2026-01-01T11:00:00.000Z', 'skip'), now);
    expect(isos(plan.fire)).toEqual(['2026-01-01T12:00:00.000Z']);
    expect(plan).toMatchObject({ lastSlot: at('2026-01-01T12:00:00.000Z'), missed: 59, backfilled: 0 });
    // Nothing recent: the last slot still moves to the latest missed one.
    const quiet = planDueSlots(clock, state('2026-01-01T11:00:00.000Z', 'skip', { graceMs: 10_000 }), now);
    expect(quiet).toEqual({ fire: [], lastSlot: at('2026-01-01T12:00:00.000Z'), missed: 60, missedMore: false, backfilled: 0 });
  });

  it("'once' fires the latest older slot, then the recent ones", () => {
    const plan = planDueSlots(clock, state('2026-01-01T11:00:00.000Z', 'once'), now);
    expect(isos(plan.fire)).toEqual(['2026-01-01T11:59:00.000Z', '2026-01-01T12:00:00.000Z']);
    expect(plan).toMatchObject({ missed: 59, backfilled: 1 });
  });

  it("'all' fires the latest backfillLimit older slots, oldest first", () => {
    const plan = planDueSlots(clock, state('2026-01-01T11:55:00.000Z', 'all'), now);
    expect(isos(plan.fire)).toEqual(['2026-01-01T11:56:00.000Z', '2026-01-01T11:57:00.000Z', '2026-01-01T11:58:00.000Z', '2026-01-01T11:59:00.000Z', '2026-01-01T12:00:00.000Z']);
    expect(plan).toMatchObject({ missed: 4, backfilled: 4 });
    const limited = planDueSlots(clock, state('2026-01-01T11:00:00.000Z', 'all', { backfillLimit: 3 }), now);
    expect(isos(limited.fire)).toEqual(['2026-01-01T11:57:00.000Z', '2026-01-01T11:58:00.000Z', '2026-01-01T11:59:00.000Z', '2026-01-01T12:00:00.000Z']);
    expect(limited).toMatchObject({ missed: 59, backfilled: 3 });
  });

  it('stays bounded after a very long outage', () => {
    const seconds = slotClock({ kind: 'cron', cron: '* * * * * *', timezone: 'UTC' });
    const started = performance.now();
    const plan = planDueSlots(seconds, state('2025-01-01T00:00:00.000Z', 'all', { backfillLimit: 2, graceMs: 1_500 }), now);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(isos(plan.fire)).toEqual(['2026-01-01T12:00:27.000Z', '2026-01-01T12:00:28.000Z', '2026-01-01T12:00:29.000Z', '2026-01-01T12:00:30.000Z']);
    expect(plan).toMatchObject({ missed: 1_000, missedMore: true, backfilled: 2 });
  });
});
