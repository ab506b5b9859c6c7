/**
 * The outage of the report: two workers with a 10 s lease run 12 s
 * handlers that never touch the queue's database, and PostgreSQL goes away.
 *
 * - Stopped 5 s (unreachable about 6 s with its start-up: 60 % of the
 *   lease): nobody rescues the tasks, no worker fences itself, each handler
 *   runs once to its end at attempt 1. Before worker-owned leases, renewals
 *   that failed waited for their next tick and rescue counted the server's
 *   own downtime: the other worker re-ran the tasks while they still ran.
 * - Stopped 7 s (past what the lease promises to ride out): a worker may
 *   fence itself and abort its handlers, but a task is still never run twice
 *   at once, and none is lost.
 */
import { TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { waitFor } from '../support/wait-for.js';
import { useCleanup } from './support/cleanup.js';
import { createExecutionLog, describeRuns, overlappingExecutions, readExecutions } from './support/execution-log.js';
import { startFaultWorker } from './support/fault-worker-process.js';
import { FaultTasksProducer } from './support/fault-tasks.producer.js';
import { describeWithOwnServer, startOwnPostgres } from './support/own-postgres.js';
import { readTasks } from './support/queue-state.js';

const LEASE_MS = 10_000;
const TASK_MS = 12_000;
const TASKS = 4;

describeWithOwnServer('a PostgreSQL outage shorter than the lease', () => {
  const defer = useCleanup();
  const { db } = useTestDatabase();
  beforeAll(() => createExecutionLog(db()));
  beforeEach(() => db().query('TRUNCATE public.fault_executions'));

  async function run(downMs: number) {
    const own = defer(await startOwnPostgres(), (s) => s.destroy());
    const workers = await Promise.all(
      [1, 2].map(async () =>
        defer(
          await startFaultWorker({ queueUrl: own.url, logUrl: db().url, concurrency: TASKS, leaseMs: LEASE_MS, poolSize: 4 }),
          (w) => (w.alive() ? w.kill() : undefined),
        ),
      ),
    );
    const producer = defer(await startTestApp({ url: own.url, providers: [FaultTasksProducer], worker: { enabled: false } }), (app) =>
      app.close(),
    );
    const tasks = producer.get(TaskQueue);
    const refs = await Promise.all(Array.from({ length: TASKS }, () => tasks.add(FaultTasksProducer, 'sleep', [TASK_MS])));
    await waitFor(async () => (await readExecutions(db())).length === TASKS, 10_000, `all ${TASKS} handlers started`);
    await own.restart(downMs);
    await waitFor(
      async () => (await own.query<{ n: number }>(`SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE state = 'completed'`))[0]!.n === TASKS,
      TASK_MS + 30_000,
      'every task completed',
    );
    await Promise.all(workers.map((w) => w.stop()));
    const runs = await readExecutions(db());
    const byId = new Map((await readTasks(own)).map((task) => [task.id, task]));
    return { refs, runs, byId, overlapping: overlappingExecutions(runs, new Map()).map(([a, b]) => describeRuns([a, b])) };
  }

  it('stopped 5 s under a 10 s lease: no task rescued, none run twice, each once at attempt 1', async () => {
    const { refs, runs, byId, overlapping } = await run(5_000);
    expect(overlapping).toEqual([]);
    expect(refs.map((ref) => byId.get(ref.id)).map((t) => ({ state: t!.state, attempts: t!.attempts, errors: t!.errors.map((e) => e.name) }))).toEqual(
      refs.map(() => ({ state: 'completed', attempts: 1, errors: [] })),
    );
    expect(runs.map((r) => r.attempt)).toEqual(refs.map(() => 1));
  }, 90_000);

  it('stopped 7 s under a 10 s lease: never twice at once, nothing lost', async () => {
    const { refs, overlapping, byId } = await run(7_000);
    expect(overlapping).toEqual([]);
    expect(refs.map((ref) => byId.get(ref.id)!.state)).toEqual(refs.map(() => 'completed'));
  }, 90_000);
});
