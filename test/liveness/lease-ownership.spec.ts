import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { QUEUED_TASKS_DATA_SOURCE, QueuedTask, TaskQueue, currentTask } from '../../lib/index.js';
import { RunLog } from '../support/run-log.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { byAnyName } from '../support/by-any-name.js';

@Injectable()
class Sleeper {
  static readonly log = new RunLog();

  @QueuedTask({ name: 'lease.sleep', maxAttempts: 5 })
  async sleep(ms: number): Promise<string> {
    const { id, attempt } = currentTask()!;
    const run = Sleeper.log.begin(id, attempt);
    await sleep(ms);
    Sleeper.log.end(run);
    return 'slept';
  }

  /** Ignores its signal, as careless handlers do. */
  @QueuedTask({ name: 'lease.stubborn', maxAttempts: 5 })
  async stubborn(ms: number): Promise<string> {
    const { id, attempt } = currentTask()!;
    const run = Sleeper.log.begin(id, attempt);
    await sleep(ms);
    Sleeper.log.end(run);
    return 'done';
  }
}

/** Holds a connection of the queue's own pool for `ms`, in a transaction, as handlers sharing the app's DataSource do. */
@Injectable()
class PoolHog {
  static readonly log = new RunLog();

  constructor(@Inject(QUEUED_TASKS_DATA_SOURCE) private readonly dataSource: DataSource) {}

  @QueuedTask({ name: 'lease.hog', maxAttempts: 5 })
  async hold(ms: number): Promise<void> {
    const { id, attempt } = currentTask()!;
    const run = PoolHog.log.begin(id, attempt);
    await this.dataSource.transaction((manager) => manager.query('SELECT pg_sleep($1)', [ms / 1000]));
    PoolHog.log.end(run);
  }
}

describe('liveness is owned by each worker', () => {
  const { db, track } = useTestDatabase();
  beforeEach(() => db().query(`UPDATE queued_tasks.tasks SET state = 'cancelled' WHERE state IN ('pending', 'running')`));

  // Defect 1: rescue used the rescuer's own lease.
  it('a process with a much shorter lease never rescues the task of a worker that renews its own', async () => {
    const worker = track(await startTestApp({ url: db().url, providers: [Sleeper], worker: { leaseMs: 10_000, concurrency: 2 } }));
    track(
      await startTestApp({
        url: db().url,
        providers: [Sleeper],
        worker: { enabled: false, leaseMs: 300, heartbeatIntervalMs: 50, rescueIntervalMs: 100 },
      }),
    );
    const ref = await worker.get(TaskQueue).add(Sleeper, 'sleep', [2_500]);
    expect(await ref.result({ timeoutMs: 15_000 })).toBe('slept');
    expect(Sleeper.log.of(ref.id).map((run) => run.attempt)).toEqual([1]);
    expect(await ref.info()).toMatchObject({ state: 'completed', attempts: 1, errors: [] });
  });

  // Defect 2: heartbeats waited behind handlers on a shared pool.
  it('handlers holding every pooled connection do not starve the lease: each task runs once', async () => {
    const app = track(
      await startTestApp({
        connection: { url: db().url, poolSize: 3 },
        providers: [PoolHog],
        worker: { concurrency: 6, leaseMs: 1_000, rescueIntervalMs: 100 },
      }),
    );
    const refs = await byAnyName(app.get(TaskQueue)).addMany(Array.from({ length: 18 }, () => ({ name: 'lease.hog', args: [1_500] })));
    await waitFor(
      async () => {
        const [row] = await db().query<{ n: number }>(
          `SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE id = ANY($1::bigint[]) AND state = 'completed'`,
          [refs.map((ref) => ref.id)],
        );
        return row!.n === 18;
      },
      45_000,
      'all 18 tasks completed',
    );
    const ids = new Set(refs.map((ref) => ref.id));
    const runs = PoolHog.log.runs.filter((run) => ids.has(run.id));
    expect(runs).toHaveLength(18);
    const rows = await db().query(`SELECT attempts, errors FROM queued_tasks.tasks WHERE id = ANY($1::bigint[])`, [[...ids]]);
    expect(rows.every((row) => row.attempts === 1 && (row.errors as unknown[]).length === 0)).toBe(true);
  });

  // Defect 6: running tasks were keyed by task id alone, so a re-claimed task freed a slot it did not own.
  it('a task re-claimed while its stale attempt still runs holds its own slot: concurrency is never exceeded', async () => {
    const app = track(
      await startTestApp({
        url: db().url,
        providers: [Sleeper],
        worker: { concurrency: 2, leaseMs: 1_000, heartbeatIntervalMs: 100, rescueIntervalMs: 100 },
      }),
    );
    const tasks = app.get(TaskQueue);
    const stubborn = await tasks.add(Sleeper, 'stubborn', [3_000]);
    await waitFor(() => Sleeper.log.of(stubborn.id).length === 1, 5_000, 'the stubborn task to start');
    const before = Sleeper.log.runs.length;
    const maxBefore = Sleeper.log.maxActive;
    Sleeper.log.maxActive = 0;
    // The worker is presumed dead: its registry row disappears while it runs.
    await db().query(`DELETE FROM queued_tasks.workers`);
    await byAnyName(tasks).addMany(Array.from({ length: 6 }, () => ({ name: 'lease.sleep', args: [300] })));
    await waitFor(
      async () => {
        const [row] = await db().query<{ n: number }>(
          `SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE state IN ('pending', 'running')`,
        );
        return row!.n === 0;
      },
      20_000,
      'everything to finish',
    );
    await sleep(100);
    expect(maxBefore).toBeLessThanOrEqual(2);
    expect(Sleeper.log.maxActive).toBeLessThanOrEqual(2);
    expect(Sleeper.log.runs.length).toBeGreaterThan(before);
  });
});
