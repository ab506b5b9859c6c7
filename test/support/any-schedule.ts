import type { ScheduleInfo, ScheduleRunOptions, TaskSchedules } from '../../lib/index.js';

/** TaskSchedules' `upsert` without its compile-time check of task names and arguments (see by-any-name.ts for why). */
export interface UncheckedSchedules extends Omit<TaskSchedules, 'upsert'> {
  upsert(key: string, definition: ScheduleRunOptions & { task: string; args?: readonly unknown[] }): Promise<ScheduleInfo>;
}

/** The same service, for schedules of the names the specs' own handlers register. */
export function anySchedule(schedules: TaskSchedules): UncheckedSchedules {
  // Only the static types differ.
  return schedules as unknown as UncheckedSchedules;
}
