import { TaskQueue } from '../lib/index.js';
import { RecordedTasksProducer as RecordedTasks } from './fixtures/recorded-tasks.producer.js';
import { createExecutionsTable, executions } from './support/executions.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { waitFor } from './support/wait-for.js';
import { startWorkerProcess } from './support/worker-process.js';

const LEASE_MS = 1_000;

describe('crash of a worker process', () => {
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionsTable(db()));

  it('rescues the task of a SIGKILLed worker after the lease; another worker completes it; never two at once', async () => {
    const producer = track(await startTestApp({ url: db().url, providers: [RecordedTasks], worker: { enabled: false } }));
    const victim = await startWorkerProcess({ url: db().url, leaseMs: LEASE_MS });
    const ref = await producer.get(TaskQueue).add(RecordedTasks, 'sleep', [60_000]);
    await waitFor(async () => (await executions(db())).length === 1, 10_000, 'the task to start in the victim');

    // Its start is recorded (an attempt is spent once its start is: within about 100 ms).
    await waitFor(
      async () => (await db().query(`SELECT 1 FROM queued_tasks.tasks WHERE id = $1 AND started_at IS NOT NULL`, [ref.id])).length,
      5_000,
      'the start to be recorded',
    );
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    const [running] = await db().query(`SELECT state, attempts FROM queued_tasks.tasks WHERE id = $1`, [ref.id]);
    expect(running).toEqual({ state: 'running', attempts: 1 });

    // The rescuer is a different process; its task run is short.
    await db().query(`UPDATE queued_tasks.tasks SET args = '[50]' WHERE id = $1`, [ref.id]);
    const rescuer = await startWorkerProcess({ url: db().url, leaseMs: LEASE_MS });
    try {
      const pid = await ref.result({ timeoutMs: 15_000 });
      expect(pid).toBe(rescuer.pid);
    } finally {
      await rescuer.stop();
    }

    const runs = await executions(db());
    expect(runs.map((r) => [r.pid, r.attempt])).toEqual([
      [victim.pid, 1],
      [rescuer.pid, 2],
    ]);
    expect(runs[0]!.finished_at).toBeNull();
    // Not before the victim was dead, and not before its lease ran out.
    expect(runs[1]!.started_at.getTime()).toBeGreaterThanOrEqual(killedAt);
    const info = await ref.info();
    expect(info).toMatchObject({ state: 'completed', attempts: 2 });
    expect(info.errors).toEqual([expect.objectContaining({ attempt: 1, name: 'WorkerLostError' })]);
    // Not before its lease ran out: the lease ends one lease after its last renewal, sent at most
    // a tenth of a lease before the task started (the history's times are whole milliseconds).
    const lost = new Date(info.errors[0]!.at).getTime();
    expect(lost - runs[0]!.started_at.getTime()).toBeGreaterThanOrEqual(LEASE_MS * 0.9 - 1);
  });

  it('ends the task failed when the crashed attempt was its last', async () => {
    const producer = track(await startTestApp({ url: db().url, providers: [RecordedTasks], worker: { enabled: false } }));
    const victim = await startWorkerProcess({ url: db().url, leaseMs: LEASE_MS });
    const ref = await producer.get(TaskQueue).add(RecordedTasks, 'sleep', [60_000], { maxAttempts: 1 });
    await waitFor(
      async () => (await executions(db())).some((r) => r.task_id === ref.id),
      10_000,
      'the task to start in the victim',
    );
    // Its start is recorded (an attempt is spent once its start is: within about 100 ms).
    await waitFor(
      async () => (await db().query(`SELECT 1 FROM queued_tasks.tasks WHERE id = $1 AND started_at IS NOT NULL`, [ref.id])).length,
      5_000,
      'the start to be recorded',
    );
    await victim.kill('SIGKILL');
    // Rescue also runs in processes without workers.
    const rescuer = track(
      await startTestApp({ url: db().url, providers: [RecordedTasks], worker: { enabled: false, leaseMs: LEASE_MS, rescueIntervalMs: 200 } }),
    );
    await expect(ref.result({ timeoutMs: 10_000 })).rejects.toMatchObject({ name: 'TaskFailedError' });
    const info = await rescuer.get(TaskQueue).get(ref.id);
    expect(info).toMatchObject({ state: 'failed', attempts: 1 });
    expect(info.errors.map((e) => e.name)).toEqual(['WorkerLostError']);
  });
});
