/**
 * Pause, global and per-key concurrency and rate limits hold across worker
 * processes: each process is a child with its own pool and producers, and
 * every handler run is recorded (start and end on the database's clock) by
 * the worker-process fixture, so the assertions read what really ran.
 */
import { TaskQueue, TaskQueues } from '../lib/index.js';
import { RecordedTasksProducer as RecordedTasks } from './fixtures/recorded-tasks.producer.js';
import { createExecutionsTable, executions, type Execution } from './support/executions.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.js';
import { byAnyName } from './support/by-any-name.js';
import { busiestWindow } from './support/busiest-window.js';

/** Most runs holding a slot at one instant (a run lasts from its start to its end). */
function maxOverlap(runs: readonly Execution[]): number {
  const edges = runs.flatMap((run) => [
    { at: run.started_at.getTime(), step: 1 },
    { at: (run.finished_at ?? new Date(8.64e15)).getTime(), step: -1 },
  ]);
  // Ends before starts at the same instant: a slot freed and taken again is not an overlap.
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (now += edge.step));
  return most;
}

describe('limits across worker processes', () => {
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionsTable(db()));
  beforeEach(async () => {
    await db().query(`DELETE FROM public.executions`);
    await db().query(`DELETE FROM queued_tasks.queues`);
  });

  /** Runs `scenario` with `processes` worker processes, stopped before the suite's leak check. */
  async function withWorkers(processes: number, scenario: (app: { tasks: TaskQueue; queues: TaskQueues }) => Promise<void>): Promise<void> {
    const workers: WorkerProcess[] = await Promise.all(Array.from({ length: processes }, () => startWorkerProcess({ url: db().url })));
    try {
      const producer = track(await startTestApp({ url: db().url, providers: [RecordedTasks], worker: { enabled: false } }));
      await scenario({ tasks: producer.get(TaskQueue), queues: producer.get(TaskQueues) });
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  }

  const completed = async () =>
    Number((await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks WHERE state = 'completed'`))[0]!.n);

  it('a paused queue runs nothing in 3 processes, and resumes within a second', async () => {
    await withWorkers(3, async ({ tasks, queues }) => {
    const before = await completed();
    await queues.pause('default');
    await byAnyName(tasks).addMany(Array.from({ length: 30 }, () => ({ name: 'recorded.sleep', args: [1] })));
    await sleep(1_500);
    expect(await executions(db())).toEqual([]);
    const [{ resumedAt }] = (await db().query<{ resumedAt: Date }>(`SELECT clock_timestamp() AS "resumedAt"`)) as [{ resumedAt: Date }];
    await queues.resume('default');
    await waitFor(async () => (await completed()) === before + 30, 15_000, 'all 30 tasks after resume');
    const firstStart = Math.min(...(await executions(db())).map((run) => run.started_at.getTime()));
    expect(firstStart - resumedAt.getTime()).toBeLessThan(1_000);
    });
  });

  it('globalConcurrency 2 across 4 processes over 500 tasks: never more than 2 at once', async () => {
    await withWorkers(4, async ({ tasks, queues }) => {
      await queues.configure('default', { globalConcurrency: 2 });
      const before = await completed();
      for (let i = 0; i < 5; i++) await byAnyName(tasks).addMany(Array.from({ length: 100 }, () => ({ name: 'recorded.sleep', args: [3] })));
      await waitFor(async () => (await completed()) === before + 500, 60_000, 'all 500 tasks');
    });
    const runs = await executions(db());
    expect(runs).toHaveLength(500);
    expect(maxOverlap(runs)).toBe(2);
    expect(new Set(runs.map((run) => run.pid)).size).toBeGreaterThan(1);
  });

  it('per-key limit 1 with 20 keys across 4 processes: never two of one key at once, and every key progresses', async () => {
    let keyed = 0;
    await withWorkers(4, async ({ tasks }) => {
    const before = await completed();
    // Key k0 holds the head of the queue with 60 tasks; 19 other keys have 5 each behind it.
    const requests = [
      ...Array.from({ length: 60 }, () => ({ name: 'recorded.sleep', args: [10], options: { concurrencyKey: 'k0' } })),
      ...Array.from({ length: 19 * 5 }, (_, i) => ({ name: 'recorded.sleep', args: [10], options: { concurrencyKey: `k${1 + (i % 19)}` } })),
    ];
    await byAnyName(tasks).addMany(requests);
    keyed = requests.length;
    await waitFor(async () => (await completed()) === before + requests.length, 60_000, 'all keyed tasks');
    });
    const keyOf = new Map(
      (await db().query<{ id: string; key: string }>(`SELECT id::text, concurrency_key AS key FROM queued_tasks.tasks WHERE concurrency_key IS NOT NULL`)).map(
        (row) => [row.id, row.key],
      ),
    );
    const runs = await executions(db());
    expect(runs).toHaveLength(keyed);
    const byKey = new Map<string, Execution[]>();
    for (const run of runs) byKey.set(keyOf.get(run.task_id)!, [...(byKey.get(keyOf.get(run.task_id)!) ?? []), run]);
    expect(byKey.size).toBe(20);
    expect([...byKey].filter(([, list]) => maxOverlap(list) > 1).map(([key]) => key)).toEqual([]);
    // The other keys' tasks are done long before k0's 60 serial runs.
    const lastOf = (key: string) => Math.max(...byKey.get(key)!.map((run) => run.started_at.getTime()));
    const othersDone = Math.max(...[...byKey.keys()].filter((key) => key !== 'k0').map(lastOf));
    expect(othersDone).toBeLessThan(lastOf('k0'));
    expect(maxOverlap(runs)).toBeGreaterThan(4);
  });

  it('rate limit 50 per second over 300 tasks in 3 processes: no 1-second window holds more than 50 claims, nor 50 handler starts', async () => {
    // Every claim as the database saw it (a trigger of this test's own): the rate is counted there.
    await db().query(`CREATE TABLE IF NOT EXISTS public.claims (task_id bigint, at timestamptz DEFAULT clock_timestamp())`);
    await db().query(`DELETE FROM public.claims`);
    await db().query(`
      CREATE OR REPLACE FUNCTION public.log_claim() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO public.claims (task_id) VALUES (NEW.id); RETURN NEW; END $$`);
    await db().query(`
      CREATE OR REPLACE TRIGGER log_claim AFTER UPDATE OF state ON queued_tasks.tasks
      FOR EACH ROW WHEN (NEW.state = 'running' AND OLD.state = 'pending') EXECUTE FUNCTION public.log_claim()`);
    try {
      await withWorkers(3, async ({ tasks, queues }) => {
        await queues.configure('default', { rateLimit: { max: 50, periodMs: 1_000 } });
        const before = await completed();
        await byAnyName(tasks).addMany(Array.from({ length: 300 }, () => ({ name: 'recorded.sleep', args: [1] })));
        await waitFor(async () => (await completed()) === before + 300, 30_000, 'all 300 tasks');
      });
    } finally {
      await db().query(`DROP TRIGGER IF EXISTS log_claim ON queued_tasks.tasks`);
    }
    const claims = await db().query<{ task_id: string; at: Date }>(`SELECT task_id::text, at FROM public.claims`);
    expect(claims).toHaveLength(300);
    expect(busiestWindow(claims.map((claim) => claim.at.getTime()), 1_000)).toBeLessThanOrEqual(50);
    // Handlers start after their claim, by the worker's scheduling delay. The
    // window counts each claim 50 ms longer than the period for that delay;
    // a loaded machine (CI) can delay a start more, and only by that excess
    // can a window of handler starts hold more than 50.
    const claimedAt = new Map(claims.map((claim) => [claim.task_id, claim.at.getTime()]));
    const runs = await executions(db());
    const lags = runs.map((run) => run.started_at.getTime() - claimedAt.get(run.task_id)!);
    const excess = Math.max(0, Math.max(...lags) - 50);
    expect(busiestWindow(runs.map((run) => run.started_at.getTime()), 1_000 - excess)).toBeLessThanOrEqual(50);
    const [{ n }] = (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM queued_tasks.queue_starts`)) as [{ n: number }];
    expect(n).toBeLessThanOrEqual(50 * 2);
  }, 60_000);

  it("a killed worker's slot of a limited queue comes back when its task is rescued, never before", async () => {
    const LEASE_MS = 2_000;
    const victim = await startWorkerProcess({ url: db().url, leaseMs: LEASE_MS });
    const survivor = await startWorkerProcess({ url: db().url, leaseMs: LEASE_MS });
    try {
      const producer = track(await startTestApp({ url: db().url, providers: [RecordedTasks], worker: { enabled: false, leaseMs: LEASE_MS, rescueIntervalMs: 200 } }));
      await producer.get(TaskQueues).configure('default', { globalConcurrency: 1 });
      const tasks = byAnyName(producer.get(TaskQueue));
      const first = await tasks.add('recorded.sleep', [1_500]);
      const second = await tasks.add('recorded.sleep', [1]);
      const running = await waitFor(async () => (await executions(db())).find((run) => run.task_id === first.id), 10_000, 'the first task running');
      const owner = running.pid === victim.pid ? victim : survivor;
      await owner.kill('SIGKILL');
      const killedAt = Date.now();
      await second.result({ timeoutMs: 30_000 });
      const runs = await executions(db());
      const secondRun = runs.find((run) => run.task_id === second.id)!;
      // Not before the dead worker's task was rescued (its lease ended), and the rescued task, first in line, ran again before it.
      expect(secondRun.started_at.getTime()).toBeGreaterThan(killedAt + LEASE_MS / 2);
      const rerun = runs.filter((run) => run.task_id === first.id && run.finished_at !== null);
      expect(rerun).toHaveLength(1);
      expect(secondRun.started_at.getTime()).toBeGreaterThanOrEqual(rerun[0]!.finished_at!.getTime());
    } finally {
      await Promise.all([victim, survivor].map((worker) => (worker.child.exitCode === null && worker.child.signalCode === null ? worker.stop() : undefined)));
    }
  }, 60_000);
});
