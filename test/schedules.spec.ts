/**
 * Schedules in one process or two (issue 11): `@Schedule()` declarations
 * written at bootstrap and disabled once removed from the code; the
 * TaskSchedules API (upsert, pause, resume, remove, list, nextRuns) and its
 * refusals, which write nothing; an upsert on an instance that does not lead
 * fires on time (the leader hears of it by NOTIFY, not by its next pass);
 * a schedule of a task no process here registers is still enqueued, and
 * reported once.
 */
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import pg from 'pg';
import { InvalidScheduleError, InvalidTaskOptionsError, OnTaskEvent, QueuedTask, Schedule, ScheduleNotFoundError, TaskSchedules, TaskSerializationError, type TaskEnqueuedEvent } from '../lib/index.js';
import { MaintenanceLeader } from '../lib/maintenance/maintenance-leader.service.js';
import { ScheduleStore } from '../lib/persistence/schedule-store.js';
import { TRY_MAINTENANCE_LOCK } from '../lib/persistence/sql/maintenance-lock.sql.js';
import { DEFAULT_SCHEMA } from '../lib/queued-tasks.constants.js';
import { anySchedule } from './support/any-schedule.js';
import { LogLines } from './support/log-lines.js';
import { useTestDatabase } from './support/suite.js';
import { startTestApp } from './support/test-app.js';
import { sleep, waitFor } from './support/wait-for.js';

const runs: string[] = [];
/** Ids of `enqueued` events of reports.tick, heard on the leader's event bus. */
const enqueued: string[] = [];

@Injectable()
class Reports {
  @QueuedTask({ name: 'reports.tick', queue: 'reports', maxAttempts: 1 })
  @Schedule({ everyMs: 1_000 })
  @Schedule({ key: 'reports.daily', cron: '0 9 * * 1-5', timezone: 'Europe/Paris', missed: 'skip' })
  async tick(): Promise<void> {
    runs.push('tick');
  }

  @QueuedTask({ name: 'sync.tenant' })
  async syncTenant(tenant: string): Promise<void> {
    runs.push(`sync ${tenant}`);
  }

  @OnTaskEvent('enqueued', { name: 'reports.tick' })
  onEnqueued(event: TaskEnqueuedEvent): void {
    enqueued.push(event.taskId);
  }
}

/** The same task, with one of its two schedules removed from the code. */
@Injectable()
class ReportsLater {
  @QueuedTask({ name: 'reports.tick', queue: 'reports', maxAttempts: 1 })
  @Schedule({ everyMs: 1_000 })
  async tick(): Promise<void> {}
}

/** Another kind of process: it runs another task and declares no schedule. */
@Injectable()
class Mailer {
  @QueuedTask({ name: 'mail.send' })
  async send(): Promise<void> {}
}

@Injectable()
class NotATask {
  @Schedule({ everyMs: 1_000 })
  async orphan(): Promise<void> {}
}

@Injectable()
class BadCron {
  @QueuedTask({ name: 'bad.cron' })
  @Schedule({ cron: '0 25 * * *' })
  async run(): Promise<void> {}
}

type Row = { run_at: Date; created_at: Date; metadata: { schedule: string; slot: string } };

describe('schedules', () => {
  const { db, track } = useTestDatabase();
  const quiet = { worker: { rescueIntervalMs: 30_000 } };

  const scheduleRows = () => db().query<{ key: string; disabled: boolean; paused: boolean }>(`SELECT key, disabled, paused FROM queued_tasks.schedules ORDER BY key`);
  const firedBy = (key: string) =>
    db().query<Row>(`SELECT run_at, created_at, metadata FROM queued_tasks.tasks WHERE metadata->>'schedule' = $1 ORDER BY run_at`, [key]);
  const leaderOf = (...apps: INestApplicationContext[]) => apps.find((app) => app.get(MaintenanceLeader, { strict: false }).isLeader);

  afterEach(async () => {
    await db().query(`DELETE FROM queued_tasks.schedules; DELETE FROM queued_tasks.tasks`);
  });

  it('writes declared schedules at bootstrap and fires each slot on time, as a task due at the slot', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Reports], ...quiet }));
    const list = await anySchedule(app.get(TaskSchedules)).list();
    expect(list.map((s) => [s.key, s.task, s.queue, s.declared, s.cron ?? s.everyMs])).toEqual([
      ['reports.daily', 'reports.tick', 'reports', true, '0 9 * * 1-5'],
      ['reports.tick', 'reports.tick', 'reports', true, 1_000],
    ]);
    // 09:00 in Paris on a workday: 07:00Z or 08:00Z.
    expect(list[0]!.nextRun!.getUTCMinutes()).toBe(0);
    expect([7, 8]).toContain(list[0]!.nextRun!.getUTCHours());

    const rows = await waitFor(async () => ((await firedBy('reports.tick')).length >= 3 ? firedBy('reports.tick') : null), 6_000, '3 slots');
    for (const row of rows) {
      // run_at is the slot itself: a whole second.
      expect(row.run_at.getTime() % 1_000).toBe(0);
      expect(row.metadata.slot).toBe(row.run_at.toISOString());
      // Written within a second of its slot, never before it.
      const lateMs = row.created_at.getTime() - row.run_at.getTime();
      expect(lateMs).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThan(1_000);
    }
    expect(new Set(rows.map((r) => r.run_at.getTime())).size).toBe(rows.length);
    await waitFor(() => runs.filter((r) => r === 'tick').length >= 3, 5_000, 'the fired tasks to run');
    // Fired tasks are announced as any enqueued task is.
    const ids = (await db().query<{ id: string }>(`SELECT id FROM queued_tasks.tasks WHERE metadata->>'schedule' = 'reports.tick' ORDER BY id LIMIT 3`)).map((r) => r.id);
    expect(enqueued).toEqual(expect.arrayContaining(ids));
  });

  it('disables a schedule removed from the code, not those of tasks another kind of process runs', async () => {
    await (await startTestApp({ url: db().url, providers: [Reports], ...quiet })).close();
    // A process of another kind, which does not run reports.tick, leaves its schedules alone.
    await (await startTestApp({ url: db().url, providers: [Mailer], ...quiet })).close();
    expect(await scheduleRows()).toEqual([
      { key: 'reports.daily', disabled: false, paused: false },
      { key: 'reports.tick', disabled: false, paused: false },
    ]);
    const app = track(await startTestApp({ url: db().url, providers: [ReportsLater], ...quiet }));
    expect(await scheduleRows()).toEqual([
      { key: 'reports.daily', disabled: true, paused: false },
      { key: 'reports.tick', disabled: false, paused: false },
    ]);
    expect((await anySchedule(app.get(TaskSchedules)).get('reports.daily')).disabled).toBe(true);
    await sleep(1_500);
    expect(await firedBy('reports.daily')).toEqual([]);
  });

  it('upserts, pauses, resumes, lists and removes schedules at run time', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Reports], ...quiet }));
    const schedules = anySchedule(app.get(TaskSchedules));
    const created = await schedules.upsert('tenant-42-sync', { task: 'sync.tenant', args: ['42'], cron: '*/15 * * * *', timezone: 'UTC', priority: 5 });
    expect(created).toMatchObject({ key: 'tenant-42-sync', task: 'sync.tenant', args: ['42'], cron: '*/15 * * * *', timezone: 'UTC', everyMs: null, queue: 'default', priority: 5, maxAttempts: 3, missed: 'once', backfillLimit: 100, graceMs: 60_000, declared: false, paused: false, disabled: false });
    expect(created.nextRun!.getUTCMinutes() % 15).toBe(0);
    const next = await schedules.nextRuns('tenant-42-sync', 3);
    expect(next.map((d) => d.getTime() - next[0]!.getTime())).toEqual([0, 900_000, 1_800_000]);
    expect(next[0]).toEqual(created.nextRun);

    // Replacing keeps the last slot when the timing is the same.
    const replaced = await schedules.upsert('tenant-42-sync', { task: 'sync.tenant', args: ['43'], cron: '*/15 * * * *' });
    expect(replaced).toMatchObject({ args: ['43'], priority: 0, lastSlot: created.lastSlot });

    await schedules.pause('tenant-42-sync');
    expect((await schedules.get('tenant-42-sync')).paused).toBe(true);
    // An upsert keeps the pause.
    await schedules.upsert('tenant-42-sync', { task: 'sync.tenant', args: ['44'], cron: '*/15 * * * *' });
    expect((await schedules.get('tenant-42-sync')).paused).toBe(true);
    await schedules.resume('tenant-42-sync');
    expect((await schedules.get('tenant-42-sync')).paused).toBe(false);

    expect((await schedules.list()).map((s) => s.key)).toEqual(['reports.daily', 'reports.tick', 'tenant-42-sync']);
    expect((await schedules.nextRuns('reports.tick', 2)).map((d) => d.getTime() % 1_000)).toEqual([0, 0]);
    await schedules.remove('tenant-42-sync');
    expect((await schedules.list()).map((s) => s.key)).toEqual(['reports.daily', 'reports.tick']);
  });

  it('refuses bad input with named errors, and writes nothing', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Reports], ...quiet }));
    const schedules = anySchedule(app.get(TaskSchedules));
    const before = await db().query(`SELECT key, revision FROM queued_tasks.schedules ORDER BY key`);
    const refused = async (call: () => Promise<unknown>) => {
      try {
        await call();
      } catch (error) {
        return error;
      }
      throw new Error('expected a refusal');
    };
    const cases: [() => Promise<unknown>, new (...args: never[]) => Error, RegExp][] = [
      [() => schedules.upsert('k', { task: 'sync.tenant', cron: 'not a cron' }), InvalidScheduleError, /"cron" in schedule "k": CronPattern: invalid configuration/],
      [() => schedules.upsert('k', { task: 'sync.tenant', cron: '0 9 * * *', timezone: 'Europe/Pariss' }), InvalidScheduleError, /"timezone".*not a time zone/],
      [() => schedules.upsert('k', { task: 'sync.tenant', cron: '* * * * *', everyMs: 1_000 }), InvalidScheduleError, /exactly one of cron and everyMs/],
      [() => schedules.upsert('k', { task: 'sync.tenant' }), InvalidScheduleError, /exactly one of cron and everyMs/],
      [() => schedules.upsert('k', { task: 'sync.tenant', everyMs: -5 }), InvalidScheduleError, /"everyMs".*integer from 100/],
      [() => schedules.upsert('k', { task: 'sync.tenant', everyMs: 2.5 }), InvalidScheduleError, /"everyMs"/],
      [() => schedules.upsert('', { task: 'sync.tenant', everyMs: 1_000 }), InvalidScheduleError, /"key".*1 to 200 characters/],
      [() => schedules.upsert('k'.repeat(201), { task: 'sync.tenant', everyMs: 1_000 }), InvalidScheduleError, /"key" in TaskSchedules.upsert\(\)/],
      [() => schedules.upsert('k', { task: '', everyMs: 1_000 }), InvalidScheduleError, /"task"/],
      [() => schedules.upsert('k', { task: 'sync.tenant', everyMs: 1_000, missed: 'twice' as never }), InvalidScheduleError, /"missed"/],
      [() => schedules.upsert('k', { task: 'sync.tenant', everyMs: 1_000, queue: 'a queue' }), InvalidTaskOptionsError, /"queue"/],
      [() => schedules.upsert('k', { task: 'sync.tenant', everyMs: 1_000, args: [new Date()] }), TaskSerializationError, /args\[0\]/],
      [() => schedules.upsert('k', { task: 'sync.tenant', everyMs: 1_000, args: ['\u0000'] }), TaskSerializationError, /args/],
      [() => schedules.nextRuns('reports.tick', 0), InvalidScheduleError, /"count"/],
      [() => schedules.pause('nope'), ScheduleNotFoundError, /No schedule with key "nope"/],
      [() => schedules.resume('nope'), ScheduleNotFoundError, /"nope"/],
      [() => schedules.remove('nope'), ScheduleNotFoundError, /"nope"/],
      [() => schedules.get('nope'), ScheduleNotFoundError, /"nope"/],
      [() => schedules.nextRuns('nope'), ScheduleNotFoundError, /"nope"/],
    ];
    for (const [call, type, message] of cases) {
      const error = await refused(call);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    }
    expect(await db().query(`SELECT key, revision FROM queued_tasks.schedules ORDER BY key`)).toEqual(before);
  });

  it('fails bootstrap on a bad @Schedule(), before writing anything', async () => {
    for (const [providers, message] of [
      [[NotATask], /@Schedule\(\) of NotATask.orphan: the method must also be a task/],
      [[BadCron], /"cron" in @Schedule\(\) of BadCron.run: CronPattern: Invalid value for hour: 25/],
    ] as const) {
      const failed = startTestApp({ url: db().url, providers: [...providers], expectBootstrapFailure: true, ...quiet });
      await expect(failed).rejects.toBeInstanceOf(InvalidScheduleError);
      await expect(failed).rejects.toThrow(message);
    }
    expect(await scheduleRows()).toEqual([]);
  });

  it('fires on time a schedule upserted on an instance that does not lead', async () => {
    const leader = track(await startTestApp({ url: db().url, providers: [Reports], ...quiet }));
    await waitFor(() => leaderOf(leader), 5_000, 'the first instance to lead');
    const follower = track(await startTestApp({ url: db().url, providers: [Reports], ...quiet, worker: { ...quiet.worker, enabled: false } }));
    expect(leaderOf(follower)).toBeUndefined();
    // Passes every 30 s: only the notification can make the leader re-plan within the test.
    await anySchedule(follower.get(TaskSchedules)).upsert('sync-every-second', { task: 'sync.tenant', args: ['7'], everyMs: 1_000 });
    const [first] = await waitFor(async () => ((await firedBy('sync-every-second')).length > 0 ? firedBy('sync-every-second') : null), 3_000, 'the first slot');
    expect(first!.created_at.getTime() - first!.run_at.getTime()).toBeLessThan(1_000);
    await waitFor(() => runs.includes('sync 7'), 5_000, 'its run');
  });

  it('enqueues the runs of a task this process does not register, and reports it once', async () => {
    const logger = new LogLines(['error', 'warn', 'log', 'debug']);
    const app = track(await startTestApp({ url: db().url, providers: [Mailer], logger, ...quiet }));
    await anySchedule(app.get(TaskSchedules)).upsert('elsewhere', { task: 'reports.elsewhere', everyMs: 1_000 });
    await waitFor(async () => (await firedBy('elsewhere')).length >= 3, 6_000, '3 slots');
    expect(logger.find('warn', 'Schedule "elsewhere" fires task "reports.elsewhere", which this process does not register')).toHaveLength(1);
    // Quiet when healthy: each fired slot at debug only.
    expect(logger.find('debug', 'Schedule "elsewhere" fired slot').length).toBeGreaterThanOrEqual(3);
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it('writes one task per slot when several leaders fire the same plan at once', async () => {
    // The test holds the maintenance lock, so neither app leads: a real leader, re-planning on the
    // upsert's notification after the set-back below, would fire the slots itself and leave the
    // eight below nothing to win (seen on CI's PostgreSQL 15).
    const lock = new pg.Client({ connectionString: db().url });
    await lock.connect();
    try {
      await waitFor(async () => (await lock.query<{ acquired: boolean }>(TRY_MAINTENANCE_LOCK, [DEFAULT_SCHEMA])).rows[0]!.acquired, 10_000, 'the maintenance lock');
      const apps = [track(await startTestApp({ url: db().url, providers: [Mailer], ...quiet })), track(await startTestApp({ url: db().url, providers: [Mailer], ...quiet }))];
      await anySchedule(apps[0]!.get(TaskSchedules)).upsert('overlap', { task: 'mail.send', everyMs: 3_600_000, missed: 'all' });
      // Three hourly slots due, and nobody to fire them but the eight below.
      await db().query(`UPDATE queued_tasks.schedules SET last_slot = now() - interval '3 hours' WHERE key = 'overlap'`);
      const stores = apps.map((app) => app.get(ScheduleStore, { strict: false }));
      const plan = (await stores[0]!.readActive()).find((row) => row.key === 'overlap')!;
      const hour = Math.floor(plan.db_now.getTime() / 3_600_000) * 3_600_000;
      const due = [hour - 7_200_000, hour - 3_600_000, hour].map((t) => new Date(t));
      // Eight "leaders" over two processes' pools, all with the plan read above.
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => stores[i % 2]!.fire('overlap', plan.revision, due.at(-1)!, due)));
      expect(outcomes.filter((o) => o.advanced)).toHaveLength(1);
      expect((await firedBy('overlap')).map((row) => row.run_at)).toEqual(due);
    } finally {
      await lock.end();
    }
  });

  it('answers every one of many identical upserts racing to create a schedule', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Mailer], ...quiet, connection: { url: db().url, poolSize: 8 } }));
    const schedules = anySchedule(app.get(TaskSchedules));
    const written = await Promise.all(Array.from({ length: 16 }, () => schedules.upsert('raced', { task: 'mail.send', everyMs: 60_000 })));
    expect(new Set(written.map((s) => `${s.key} ${s.lastSlot.getTime()}`)).size).toBe(1);
    expect(await db().query(`SELECT revision FROM queued_tasks.schedules WHERE key = 'raced'`)).toEqual([{ revision: '1' }]);
  });
});
