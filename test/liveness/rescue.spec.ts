import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue, currentTask } from '../../lib/index.js';
import { MaintenanceLeader } from '../../lib/maintenance/maintenance-leader.service.js';
import { RecordedTasksProducer as RecordedTasks } from '../fixtures/recorded-tasks.producer.js';
import { createExecutionsTable, executions } from '../support/executions.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { byAnyName } from '../support/by-any-name.js';

const LEASE_MS = 1_000;

@Injectable()
class Ordered {
  static readonly order: string[] = [];

  @QueuedTask({ name: 'rescue.ordered' })
  async run(): Promise<void> {
    Ordered.order.push(currentTask()!.id);
  }
}

describe('rescue of dead workers', () => {
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionsTable(db()));
  beforeEach(() => db().query(`UPDATE queued_tasks.tasks SET state = 'cancelled' WHERE state IN ('pending', 'running')`));

  // Defect 5: tasks claimed ahead by a worker that crashed lost an attempt without ever running.
  it("gives back the attempt of a crashed worker's tasks that never started", async () => {
    const producer = track(await startTestApp({ url: db().url, providers: [RecordedTasks], worker: { enabled: false } }));
    const tasks = producer.get(TaskQueue);
    const victim = await startWorkerProcess({ url: db().url, concurrency: 1, leaseMs: LEASE_MS });
    // Fast tasks first: the victim learns to claim far ahead.
    const training = await byAnyName(tasks).addMany(Array.from({ length: 30 }, () => ({ name: 'recorded.noop', args: [] })));
    await Promise.all(training.map((ref) => ref.result({ timeoutMs: 10_000 })));
    const [long, ...ahead] = await byAnyName(tasks).addMany([
      { name: 'recorded.sleep', args: [60_000], options: { priority: 5 } },
      ...Array.from({ length: 10 }, () => ({ name: 'recorded.sleep', args: [0], options: { priority: 1, maxAttempts: 1 } })),
    ]);
    await waitFor(async () => (await executions(db())).some((run) => run.task_id === long!.id), 10_000, 'the long task to start');
    await sleep(300);
    const [held] = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE id = ANY($1::bigint[]) AND state = 'running'`,
      [ahead.map((ref) => ref.id)],
    );
    // The scenario needs tasks claimed ahead of the busy slot.
    expect(held!.n).toBeGreaterThan(0);
    await victim.kill('SIGKILL');
    await db().query(`UPDATE queued_tasks.tasks SET args = '[10]' WHERE id = $1`, [long!.id]);

    const rescuer = await startWorkerProcess({ url: db().url, leaseMs: LEASE_MS });
    try {
      await Promise.all(ahead.map((ref) => ref.result({ timeoutMs: 20_000 })));
      expect(await long!.result({ timeoutMs: 20_000 })).toBe(rescuer.pid);
    } finally {
      await rescuer.stop();
    }
    for (const ref of ahead) {
      expect(await ref.info()).toMatchObject({ state: 'completed', attempts: 1, errors: [] });
    }
    // The long one had started: its attempt stays spent.
    const info = await long!.info();
    expect(info).toMatchObject({ state: 'completed', attempts: 2 });
    expect(info.errors.map((error) => error.name)).toEqual(['WorkerLostError']);
  });

  // Defect 11: a rescued task went to the back of the line (its run time was set to now).
  it('a rescued task keeps its place in line', async () => {
    const producer = track(await startTestApp({ url: db().url, providers: [Ordered], worker: { enabled: false } }));
    const tasks = producer.get(TaskQueue);
    const orphan = await tasks.add(Ordered, 'run', []);
    // Claimed by a worker that is gone (no registry row).
    await db().query(
      `UPDATE queued_tasks.tasks SET state = 'running', worker_id = gen_random_uuid(), attempts = 1, started_at = now() WHERE id = $1`,
      [orphan.id],
    );
    const [{ run_at: before }] = await db().query<{ run_at: Date }>(`SELECT run_at FROM queued_tasks.tasks WHERE id = $1`, [orphan.id]);
    const backlog = await byAnyName(tasks).addMany(Array.from({ length: 20 }, () => ({ name: 'rescue.ordered', args: [] })));
    const rescuer = track(
      await startTestApp({ url: db().url, providers: [Ordered], worker: { enabled: false, leaseMs: LEASE_MS, rescueIntervalMs: 100 } }),
    );
    await waitFor(
      async () => (await db().query(`SELECT 1 FROM queued_tasks.tasks WHERE id = $1 AND state = 'pending'`, [orphan.id])).length,
      10_000,
      'the orphan to be rescued',
    );
    const [{ run_at: after }] = await db().query<{ run_at: Date }>(`SELECT run_at FROM queued_tasks.tasks WHERE id = $1`, [orphan.id]);
    expect(after).toEqual(before);
    await rescuer.close();
    const worker = track(await startTestApp({ url: db().url, providers: [Ordered], worker: { concurrency: 1 } }));
    await Promise.all([orphan, ...backlog].map((ref) => ref.result({ timeoutMs: 10_000 })));
    expect(Ordered.order[0]).toBe(orphan.id);
    await worker.close();
  });

  it('one maintenance leader at a time, handed over when it stops', async () => {
    const options = { url: db().url, providers: [Ordered], worker: { enabled: false, leaseMs: LEASE_MS, rescueIntervalMs: 100 } };
    const first = track(await startTestApp(options));
    const second = track(await startTestApp(options));
    const leaders = () => [first, second].filter((app) => app.get(MaintenanceLeader, { strict: false }).isLeader);
    await waitFor(() => leaders().length === 1, 5_000, 'a leader');
    for (let i = 0; i < 5; i++) {
      expect(leaders()).toHaveLength(1);
      await sleep(100);
    }
    const [leader] = leaders();
    const follower = leader === first ? second : first;
    await leader!.close();
    await waitFor(() => follower.get(MaintenanceLeader, { strict: false }).isLeader, 3_000, 'the follower to take the lead');
  });
});
