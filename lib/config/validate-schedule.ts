import { InvalidScheduleError } from '../errors/invalid-schedule.error.js';
import type { MissedRunPolicy, ScheduleRunOptions, ScheduleTimingOptions } from '../interfaces/schedule-options.interface.js';
import {
  DEFAULT_BACKFILL_LIMIT,
  DEFAULT_MISSED_RUN_POLICY,
  DEFAULT_SCHEDULE_GRACE_MS,
  DEFAULT_SCHEDULE_TIMEZONE,
} from '../queued-tasks.constants.js';
import { describeValue, MAX_INT } from './require-integer.js';
import { slotClock, type ScheduleTiming } from './schedule-timing.js';
import { validateExecutionOptions } from './validate-task-options.js';
import { characterCount } from './validate-task-key.js';

/** Schedule keys: printable text, short enough to read in a log line and to index. */
export const MAX_SCHEDULE_KEY_LENGTH = 200;
/** Longest cron pattern accepted: a real one is a few dozen characters. */
const MAX_CRON_LENGTH = 200;
/**
 * Shortest period: the leader fires each slot with a statement of its own,
 * so a period of a few ms would be a busy loop on the database, not a schedule.
 */
export const MIN_EVERY_MS = 100;
export const MAX_BACKFILL_LIMIT = 10_000;
const MISSED_POLICIES: readonly MissedRunPolicy[] = ['skip', 'once', 'all'];
/** Control characters, and UTF-16 surrogates not in a pair (see validate-task-key.ts). */
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A schedule's options once checked and given their defaults. */
export interface ResolvedScheduleRun {
  timing: ScheduleTiming;
  missed: MissedRunPolicy;
  backfillLimit: number;
  graceMs: number;
}

/**
 * The one validator of schedules, for `@Schedule()` (at bootstrap, `where`
 * = `@Schedule() of Reports.daily`) and `TaskSchedules.upsert` (at the
 * call). Task options (`queue`, `priority`…) are checked as everywhere else,
 * with InvalidTaskOptionsError.
 *
 * @throws InvalidScheduleError, InvalidTaskOptionsError
 */
export function validateScheduleRun(options: ScheduleRunOptions, where: string): ResolvedScheduleRun {
  if (options === null || typeof options !== 'object') throw new InvalidScheduleError('options', 'must be an object', where);
  validateExecutionOptions(options, where);
  const missed = options.missed ?? DEFAULT_MISSED_RUN_POLICY;
  if (!MISSED_POLICIES.includes(missed)) {
    throw new InvalidScheduleError('missed', `must be "skip", "once" or "all" (got ${describeValue(options.missed)})`, where);
  }
  return {
    timing: validateTiming(options, where),
    missed,
    backfillLimit: integerIn('backfillLimit', options.backfillLimit ?? DEFAULT_BACKFILL_LIMIT, 1, MAX_BACKFILL_LIMIT, where),
    graceMs: integerIn('graceMs', options.graceMs ?? DEFAULT_SCHEDULE_GRACE_MS, 0, MAX_INT, where),
  };
}

/** A text no schedule key can be (the lookups of an unknown key answer ScheduleNotFoundError without asking the database). */
export function isScheduleKey(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const length = characterCount(value);
  return length > 0 && length <= MAX_SCHEDULE_KEY_LENGTH && !UNSAFE_TEXT.test(value);
}

/** A schedule key or a task name: 1 to 200 printable characters. @throws InvalidScheduleError */
export function validateScheduleText(option: 'key' | 'task', value: unknown, where: string): string {
  if (!isScheduleKey(value)) {
    throw new InvalidScheduleError(
      option,
      `must be a string of 1 to ${MAX_SCHEDULE_KEY_LENGTH} characters without control characters (got ${typeof value === 'string' ? `a string of ${characterCount(value)} characters` : describe(value)})`,
      where,
    );
  }
  return value;
}

function validateTiming(options: ScheduleTimingOptions, where: string): ScheduleTiming {
  const { cron, everyMs, timezone } = options;
  if ((cron === undefined) === (everyMs === undefined)) {
    throw new InvalidScheduleError(cron === undefined ? 'cron' : 'everyMs', 'give exactly one of cron and everyMs', where);
  }
  if (everyMs !== undefined) {
    if (timezone !== undefined) throw new InvalidScheduleError('timezone', 'applies to cron only (everyMs counts from the Unix epoch)', where);
    return { kind: 'every', everyMs: integerIn('everyMs', everyMs, MIN_EVERY_MS, MAX_INT, where) };
  }
  if (typeof cron !== 'string' || cron.trim().length === 0 || cron.length > MAX_CRON_LENGTH) {
    throw new InvalidScheduleError('cron', `must be a cron pattern of 5 or 6 fields (got ${describe(cron)})`, where);
  }
  const zone = validateTimezone(timezone ?? DEFAULT_SCHEDULE_TIMEZONE, where);
  const timing: ScheduleTiming = { kind: 'cron', cron, timezone: zone };
  let next: Date | null;
  try {
    next = slotClock(timing).next(new Date());
  } catch (error) {
    // croner throws TypeError or RangeError with a precise reason: keep it, in our error.
    throw new InvalidScheduleError('cron', `${(error as Error).message} (got ${JSON.stringify(cron)})`, where);
  }
  if (next === null) throw new InvalidScheduleError('cron', `matches no future instant (got ${JSON.stringify(cron)})`, where);
  return timing;
}

function validateTimezone(timezone: unknown, where: string): string {
  if (typeof timezone !== 'string' || timezone.length === 0 || timezone.length > 100) {
    throw new InvalidScheduleError('timezone', `must be an IANA time zone name such as "Europe/Paris" (got ${describe(timezone)})`, where);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new InvalidScheduleError('timezone', `is not a time zone this runtime knows; use an IANA name such as "Europe/Paris" (got ${JSON.stringify(timezone)})`, where);
  }
  return timezone;
}

function integerIn(option: string, value: unknown, min: number, max: number, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidScheduleError(option, `must be an integer from ${min} to ${max} (got ${describeValue(value)})`, where);
  }
  return value;
}

/** A value in an error message, without echoing a long string whole. */
function describe(value: unknown): string {
  return typeof value === 'string' && value.length > 60 ? `a string of ${value.length} characters` : describeValue(value);
}
