import { TaskQueue } from '../lib/index.js';
import { RecordedTasksProducer as RecordedTasks } from './fixtures/recorded-tasks.producer.js';
import { createExecutionsTable, executions } from './support/executions.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { waitFor } from './support/wait-for.js';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.js';
import { byAnyName } from './support/by-any-name.js';

const TASKS = 3_000;

describe('many worker processes', () => {
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionsTable(db()));

  it('3 processes drain 3,000 tasks: each completed exactly once', async () => {
    const workers: WorkerProcess[] = await Promise.all([1, 2, 3].map(() => startWorkerProcess({ url: db().url })));
    try {
      const producer = track(await startTestApp({ url: db().url, providers: [RecordedTasks], worker: { enabled: false } }));
      const tasks = producer.get(TaskQueue);
      // Trickle them in as several producers would, so that all workers contend for each batch.
      for (let start = 0; start < TASKS; start += 100) {
        await byAnyName(tasks).addMany(Array.from({ length: 100 }, () => ({ name: 'recorded.sleep', args: [0] })));
      }
      await waitFor(
        async () => {
          const [row] = await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks WHERE state = 'completed'`);
          return Number(row!.n) === TASKS;
        },
        60_000,
        'all tasks completed',
      );
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
    const runs = await executions(db());
    expect(runs).toHaveLength(TASKS);
    expect(new Set(runs.map((r) => r.task_id)).size).toBe(TASKS);
    expect(runs.every((r) => r.attempt === 1 && r.finished_at !== null)).toBe(true);
    const [states] = await db().query(`SELECT count(*) FILTER (WHERE state <> 'completed')::int AS other, count(*)::int AS total FROM queued_tasks.tasks`);
    expect(states).toEqual({ other: 0, total: TASKS });
    const byPid = new Map<number, number>();
    for (const run of runs) byPid.set(run.pid, (byPid.get(run.pid) ?? 0) + 1);
    // Distribution depends on scheduling; every process must have taken part.
    expect(byPid.size).toBe(3);
  });
});
