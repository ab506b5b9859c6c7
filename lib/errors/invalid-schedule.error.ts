import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * A schedule cannot be stored as given: a cron pattern or time zone that
 * does not parse, both or neither of `cron` and `everyMs`, a bad key, a
 * `@Schedule()` without `@QueuedTask()`… Thrown at bootstrap for
 * `@Schedule()`, at the call for `TaskSchedules.upsert`. Nothing was written.
 */
export class InvalidScheduleError extends QueuedTasksError {
  constructor(
    /** What was refused, as a path: `cron`, `everyMs`, `key`. */
    readonly option: string,
    /** Why, in words (for a pattern, croner's own explanation). */
    readonly reason: string,
    /** Where it was given: `@Schedule() of Reports.daily`, `schedule "tenant-42-sync"`. */
    readonly source: string,
  ) {
    super(MESSAGES.invalidSchedule(option, reason, source));
  }
}
