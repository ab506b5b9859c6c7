/**
 * Defects a black-box review found against the README (each test failed on
 * the commit before its fix): ids past PostgreSQL's bigint, a NUL in a
 * schedule key or a task name, an unknown option inside `rateLimit`, event
 * filters that could never match or match everything, keys given to a graph
 * (dropped instead of refused), `dependsOn` repeats counted twice, key
 * lengths counted in UTF-16 units, and a `graceMs: 0` schedule skipping
 * every slot on a live leader. (The crash of a short `result()` timeout has
 * its own file: result-timeout-process.spec.ts.)
 */
import { Injectable } from '@nestjs/common';
import {
  InvalidEventListenerError,
  InvalidQueueOptionsError,
  InvalidTaskOptionsError,
  OnTaskEvent,
  QueuedTask,
  TaskQueue,
  TaskQueues,
  TaskSchedules,
  type TaskEvent,
} from '../lib/index.js';
import { anySchedule } from './support/any-schedule.js';
import { byAnyName } from './support/by-any-name.js';
import { useTestDatabase } from './support/suite.js';
import { startTestApp } from './support/test-app.js';
import { sleep } from './support/wait-for.js';

@Injectable()
class ReviewTasks {
  @QueuedTask({ name: 'review.run', queue: 'review' })
  async run(_n?: number): Promise<void> {}
}

@Injectable()
class MisspeltFilter {
  @OnTaskEvent('failed', { queues: 'mail' } as never)
  on(_event: TaskEvent): void {}
}

@Injectable()
class ImpossibleQueueFilter {
  @OnTaskEvent('failed', { queue: 'mail queue' })
  on(_event: TaskEvent): void {}
}

/** The error's class name a call rejects with, or 'resolved'. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'resolved';
  } catch (error) {
    return (error as Error).constructor.name;
  }
}

describe('black-box review findings', () => {
  const { db, track } = useTestDatabase();
  const producer = async () => track(await startTestApp({ url: db().url, providers: [ReviewTasks], worker: { enabled: false } }));
  const taskCount = async () => (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM queued_tasks.tasks`))[0]!.n;

  it('an id past the bigint range is no task: TaskNotFoundError from get, cancel, logs, cancelMany and ref', async () => {
    const tasks = (await producer()).get(TaskQueue);
    const id = '9223372036854775808';
    const results = {
      get: await outcome(() => tasks.get(id)),
      cancel: await outcome(() => tasks.cancel(id)),
      logs: await outcome(() => tasks.logs(id)),
      cancelMany: await outcome(() => tasks.cancelMany([id])),
      ref: await outcome(() => tasks.ref(id)),
      // The largest bigint is a well-formed id of no task.
      getLargest: await outcome(() => tasks.get('9223372036854775807')),
    };
    expect(results).toEqual({ get: 'TaskNotFoundError', cancel: 'TaskNotFoundError', logs: 'TaskNotFoundError', cancelMany: 'TaskNotFoundError', ref: 'TaskNotFoundError', getLargest: 'TaskNotFoundError' });
  });

  it('dependsOn an id past the bigint range is a bad dependsOn entry, nothing written; 1,001 repeats of one parent are one parent', async () => {
    const tasks = byAnyName((await producer()).get(TaskQueue));
    const before = await taskCount();
    expect(await outcome(() => tasks.add('review.run', [], { dependsOn: ['9223372036854775808'] }))).toBe('InvalidTaskOptionsError');
    expect(await taskCount()).toBe(before);
    const parent = await tasks.add('review.run', []);
    const child = await tasks.add('review.run', [], { dependsOn: Array.from({ length: 1_001 }, () => parent.id) });
    expect((await db().query(`SELECT parent_id::text FROM queued_tasks.task_dependencies WHERE child_id = $1`, [child.id])).length).toBe(1);
  });

  it('a schedule key or task name holding NUL matches nothing: ScheduleNotFoundError, InvalidTaskOptionsError', async () => {
    const app = await producer();
    const schedules = app.get(TaskSchedules);
    const key = 'tenant-\u0000-sync';
    const results = {
      pause: await outcome(() => schedules.pause(key)),
      resume: await outcome(() => schedules.resume(key)),
      remove: await outcome(() => schedules.remove(key)),
      get: await outcome(() => schedules.get(key)),
      nextRuns: await outcome(() => schedules.nextRuns(key)),
      cancelWhere: await outcome(() => app.get(TaskQueue).cancelWhere({ name: 'a\u0000' })),
    };
    expect(results).toEqual({
      pause: 'ScheduleNotFoundError',
      resume: 'ScheduleNotFoundError',
      remove: 'ScheduleNotFoundError',
      get: 'ScheduleNotFoundError',
      nextRuns: 'ScheduleNotFoundError',
      cancelWhere: 'InvalidTaskOptionsError',
    });
  });

  it('configure refuses an unknown option inside rateLimit, naming it, and writes nothing', async () => {
    const queues = (await producer()).get(TaskQueues);
    await queues.configure('review', {});
    const error = await queues.configure('review', { rateLimit: { max: 1, periodMs: 1_000, burst: 5 } as never }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidQueueOptionsError);
    expect((error as InvalidQueueOptionsError).message).toContain('rateLimit.burst');
    expect((await queues.list()).find((q) => q.name === 'review')?.rateLimit).toBeNull();
  });

  it.each([
    ['a misspelt field ({ queues })', MisspeltFilter],
    ['a queue no queue can have', ImpossibleQueueFilter],
  ])('@OnTaskEvent with %s fails bootstrap with InvalidEventListenerError', async (_what, listener) => {
    const error = await startTestApp({ url: db().url, providers: [ReviewTasks, listener], worker: { enabled: false }, expectBootstrapFailure: true }).then(
      (app) => track(app),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidEventListenerError);
  });

  it('events$ still takes its type beside name and queue', async () => {
    const tasks = (await producer()).get(TaskQueue);
    expect(() => tasks.events$({ type: 'completed', queue: 'review', name: 'review.run' })).not.toThrow();
    expect(() => tasks.events$({ types: 'completed' } as never)).toThrow(InvalidEventListenerError);
  });

  it('a key given to a flow node, or in an addMany batch with dependsOn, is refused and nothing is written', async () => {
    const tasks = (await producer()).get(TaskQueue);
    const before = await taskCount();
    const inFlow = await tasks.flow((f) => f.add(ReviewTasks, 'run', [1], { unique: { key: 'digest:42' } })).then(() => null, (e: unknown) => e);
    expect(inFlow).toBeInstanceOf(InvalidTaskOptionsError);
    expect((inFlow as InvalidTaskOptionsError).message).toContain('flow node 0');
    const parent = await tasks.add(ReviewTasks, 'run', [0]);
    const inBatch = await tasks
      .addMany([
        { target: ReviewTasks, method: 'run', args: [1], options: { dependsOn: [parent] } },
        { target: ReviewTasks, method: 'run', args: [2], options: { throttle: { key: 't', periodMs: 1_000 } } },
      ])
      .then(() => null, (e: unknown) => e);
    expect(inBatch).toBeInstanceOf(InvalidTaskOptionsError);
    expect(await taskCount()).toBe(before + 1);
    // The key still works through add.
    const [a, b] = [await tasks.add(ReviewTasks, 'run', [3], { unique: { key: 'digest:42' } }), await tasks.add(ReviewTasks, 'run', [4], { unique: { key: 'digest:42' } })];
    expect(b.id).toBe(a.id);
  });

  it('key lengths count characters, not UTF-16 units: 150 emoji are 150 characters', async () => {
    const app = await producer();
    const tasks = byAnyName(app.get(TaskQueue));
    const key = '😀'.repeat(150);
    const results = {
      unique: await outcome(() => tasks.add('review.run', [], { unique: { key } })),
      concurrencyKey: await outcome(() => tasks.add('review.run', [], { concurrencyKey: key })),
      schedule: await outcome(() => anySchedule(app.get(TaskSchedules)).upsert(key, { task: 'review.run', everyMs: 60_000 })),
      tooLong: await outcome(() => tasks.add('review.run', [], { unique: { key: '😀'.repeat(256) } })),
    };
    expect(results).toEqual({ unique: 'resolved', concurrencyKey: 'resolved', schedule: 'resolved', tooLong: 'InvalidTaskOptionsError' });
  });

  it('a graceMs: 0, missed: skip schedule fires its on-time slots on a live leader', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [ReviewTasks], worker: { rescueIntervalMs: 200 } }));
    const schedules = anySchedule(app.get(TaskSchedules));
    await schedules.upsert('skip-0', { task: 'review.run', everyMs: 500, graceMs: 0, missed: 'skip' });
    await sleep(3_000);
    const fired = await db().query(`SELECT id FROM queued_tasks.tasks WHERE metadata->>'schedule' = 'skip-0'`);
    // Five or six slots in 3 s; the leader fires each a few milliseconds late, which used to count as missed.
    expect(fired.length).toBeGreaterThanOrEqual(4);
    await schedules.remove('skip-0');
  });
});
