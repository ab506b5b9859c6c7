/**
 * Compile-time tests of TaskSchedules' typing, checked by the `tsc` step of
 * `npm test`: every `@ts-expect-error` line must fail to compile, and every
 * other line must compile. Nothing here runs. The names declared in
 * `QueuedTasksRegistry` elsewhere in test/types ('mail.welcome') apply here.
 */
import { Schedule, type ScheduleInfo, type TaskSchedules } from '../../lib/index.js';

export async function typeTests(schedules: TaskSchedules): Promise<void> {
  const info: ScheduleInfo = await schedules.upsert('welcome-digest', { task: 'mail.welcome', args: ['a@b.c', 'Ann'], cron: '0 9 * * *', timezone: 'Europe/Paris' });
  await schedules.upsert('welcome-digest', { task: 'mail.welcome', args: ['a@b.c', 'Ann'], everyMs: 60_000, missed: 'all', backfillLimit: 10 });
  // @ts-expect-error an undeclared name, once the registry declares names
  await schedules.upsert('k', { task: 'mail.welcom', everyMs: 60_000 });
  // @ts-expect-error the declared task's arguments
  await schedules.upsert('k', { task: 'mail.welcome', args: ['a@b.c'], everyMs: 60_000 });
  // @ts-expect-error not a missed-run policy
  await schedules.upsert('k', { task: 'mail.welcome', args: ['a@b.c', 'Ann'], everyMs: 60_000, missed: 'twice' });
  const runs: Date[] = await schedules.nextRuns(info.key, 3);
  void runs;
}

export class Decorated {
  @Schedule({ everyMs: 60_000, graceMs: 0 })
  // @ts-expect-error not a missed-run policy
  @Schedule({ cron: '* * * * *', missed: 'never' })
  async run(): Promise<void> {}
}
