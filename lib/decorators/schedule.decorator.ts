import { SCHEDULE_METADATA } from '../queued-tasks.constants.js';
import type { ScheduleOptions } from '../interfaces/schedule-options.interface.js';

/**
 * Runs a `@QueuedTask()` method on a schedule: each slot of the cron pattern
 * (in its time zone) or of the period enqueues one task, once across every
 * instance of the application, with `run_at` the slot's instant. The
 * schedule is written to the database at bootstrap; the maintenance leader
 * fires it. Several `@Schedule()` may decorate one method, each with its own
 * `key`.
 *
 * A schedule whose declaration is removed while its task stays is disabled
 * at the next bootstrap of a process that runs the task (not deleted: its
 * history stays, and declaring it again resumes it).
 *
 * @example
 * ```ts
 * @Injectable()
 * export class Reports {
 *   @QueuedTask({ name: 'reports.daily' })
 *   @Schedule({ cron: '0 9 * * 1-5', timezone: 'Europe/Paris', missed: 'once' })
 *   async daily(): Promise<void> { ... }
 * }
 * ```
 */
export function Schedule(options: ScheduleOptions): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const existing = (Reflect.getMetadata(SCHEDULE_METADATA, method) as ScheduleOptions[] | undefined) ?? [];
    // Decorators apply bottom-up: prepend, so the list reads in source order.
    Reflect.defineMetadata(SCHEDULE_METADATA, [options, ...existing], method);
    return descriptor;
  };
}
