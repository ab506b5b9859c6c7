/**
 * Faults that come from handlers rather than from the database, each in a
 * real worker process (its crash would end the scenario):
 *
 * - handlers holding every connection of the queue's own pool (the
 *   application's DataSource shared with the queue): the lease lives on a
 *   connection of its own, so no task is rescued from its live worker;
 * - a completion the database refuses (a trigger): that task fails alone,
 *   the rest complete, the worker keeps claiming;
 * - a thrown value that cannot be turned into text: recorded, no crash;
 * - a timed-out handler that ignores its signal: no retry runs until it
 *   returns (within its hard timeout), so the task never runs twice at once.
 */
import { TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { installPoisonTrigger, removePoisonTrigger } from '../support/refuse-poison-trigger.js';
import { useCleanup } from './support/cleanup.js';
import { createExecutionLog, describeRuns, overlappingExecutions, readExecutions } from './support/execution-log.js';
import { settleAndStop, startFaultWorker, type FaultWorkerSettings } from './support/fault-worker-process.js';
import { FaultTasksProducer } from './support/fault-tasks.producer.js';
import { readTasks } from './support/queue-state.js';
import { byAnyName } from '../support/by-any-name.js';

describe('faults of handlers, in worker processes', () => {
  const defer = useCleanup();
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionLog(db()));
  beforeEach(async () => {
    await db().query('TRUNCATE public.fault_executions');
    await db().query(`UPDATE queued_tasks.tasks SET state = 'cancelled' WHERE state IN ('pending', 'running')`);
  });
  afterEach(() => removePoisonTrigger(db()));

  /** A worker process, and a web node in the test process (which may lead maintenance, with the worker's lease). */
  async function setUp(settings: Partial<FaultWorkerSettings>) {
    const worker = defer(await startFaultWorker({ queueUrl: db().url, logUrl: db().url, ...settings }), (w) =>
      w.alive() ? w.kill() : undefined,
    );
    const producer = track(
      await startTestApp({
        url: db().url,
        providers: [FaultTasksProducer],
        worker: { enabled: false, leaseMs: settings.leaseMs, rescueIntervalMs: 100 },
      }),
    );
    return { worker, tasks: producer.get(TaskQueue) };
  }

  const finished = async (ids: string[]) =>
    (await readTasks(db())).filter((task) => ids.includes(task.id)).every((task) => task.state === 'completed' || task.state === 'failed');

  it('pool starvation: pool 3, concurrency 6, handlers in 1.5 s transactions on it, lease 1 s: every task once', async () => {
    const { worker, tasks } = await setUp({ poolSize: 3, concurrency: 6, leaseMs: 1_000 });
    const refs = await byAnyName(tasks).addMany(Array.from({ length: 18 }, () => ({ name: 'fault.hog', args: [1_500] })));
    const ids = refs.map((ref) => ref.id);
    const alive = await settleAndStop([worker], () => finished(ids), 45_000, 'all 18 finished');
    const runs = await readExecutions(db());
    const rows = (await readTasks(db())).filter((task) => ids.includes(task.id));
    expect({
      alive,
      runs: runs.length,
      overlapping: overlappingExecutions(runs, new Map()).map(([a, b]) => describeRuns([a, b])),
      tasks: rows.map((task) => ({ state: task.state, attempts: task.attempts, errors: task.errors.map((e) => e.name) })),
    }).toEqual({ alive: [true], runs: 18, overlapping: [], tasks: ids.map(() => ({ state: 'completed', attempts: 1, errors: [] })) });
  }, 60_000);

  it('a completion refused by a trigger fails that task alone; the worker goes on claiming', async () => {
    await installPoisonTrigger(db());
    const { worker, tasks } = await setUp({ concurrency: 10, leaseMs: 5_000 });
    const refs = await byAnyName(tasks).addMany(Array.from({ length: 300 }, (_, i) => ({ name: 'fault.echo', args: [i === 137 ? 'poison' : `v${i}`] })));
    const after = await tasks.add(FaultTasksProducer, 'echo', ['after']);
    const ids = [...refs, after].map((ref) => ref.id);
    const alive = await settleAndStop([worker], () => finished(ids), 30_000, 'all finished');
    const rows = new Map((await readTasks(db())).map((task) => [task.id, task]));
    expect(alive).toEqual([true]);
    expect(rows.get(refs[137]!.id)).toMatchObject({ state: 'failed', attempts: 1 });
    expect(rows.get(refs[137]!.id)!.errors.map((e) => e.name)).toEqual(['TaskResultRefusedError']);
    expect(ids.filter((id) => id !== refs[137]!.id).every((id) => rows.get(id)!.state === 'completed')).toBe(true);
  }, 60_000);

  it('a thrown value that cannot be turned into text is recorded, and the process lives', async () => {
    const { worker, tasks } = await setUp({ concurrency: 2, leaseMs: 5_000 });
    const ref = await tasks.add(FaultTasksProducer, 'unprintable', [], { maxAttempts: 1 });
    const alive = await settleAndStop([worker], () => finished([ref.id]), 15_000, 'the task finished');
    const [row] = (await readTasks(db())).filter((task) => task.id === ref.id);
    expect(alive).toEqual([true]);
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
    expect(row!.errors).toEqual([expect.objectContaining({ name: 'NonErrorThrown', message: '{"big":"10n"}' })]);
  }, 30_000);

  it('a timed-out handler ignoring its signal is not retried while it runs', async () => {
    const { worker, tasks } = await setUp({ concurrency: 3, leaseMs: 5_000 });
    const ref = await tasks.add(FaultTasksProducer, 'stubborn', [350], {
      timeoutMs: 200,
      maxAttempts: 3,
      backoff: { type: 'fixed', delayMs: 10, jitter: false },
    });
    const alive = await settleAndStop([worker], () => finished([ref.id]), 15_000, 'the task finished');
    const runs = await readExecutions(db());
    const [row] = (await readTasks(db())).filter((task) => task.id === ref.id);
    expect(alive).toEqual([true]);
    expect(runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    expect(overlappingExecutions(runs, new Map()).map(([a, b]) => describeRuns([a, b]))).toEqual([]);
    expect(row!.errors.map((e) => e.name)).toEqual(['TaskTimeoutError', 'TaskTimeoutError', 'TaskTimeoutError']);
  }, 30_000);
});
