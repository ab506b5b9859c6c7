/**
 * A network blip shorter than the lease: every connection of the worker
 * processes is cut and new ones are refused for 60 % of the lease, while
 * their handlers (which never touch the queue's database) keep running.
 *
 * A worker that reaches the database again within its lease is alive: its
 * renewals resume (retried at once after a failure), it does not fence
 * itself (that happens only past ~80 % of the lease), nobody rescues its
 * tasks, and its handlers finish and are recorded as the one and only
 * attempt.
 *
 * The queue is the test file's database on the shared server, reached by
 * the workers through a proxy; the producer, the assertions and the
 * execution log connect directly, so the blip touches the workers only.
 */
import { TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { waitFor } from '../support/wait-for.js';
import { useCleanup } from './support/cleanup.js';
import { createExecutionLog, describeRuns, overlappingExecutions, readExecutions } from './support/execution-log.js';
import { settleAndStop, startFaultWorker } from './support/fault-worker-process.js';
import { FaultTasksProducer } from './support/fault-tasks.producer.js';
import { readTasks } from './support/queue-state.js';
import { TcpProxy } from './support/tcp-proxy.js';

const LEASE_MS = 10_000;
const OUTAGE_MS = 6_000;
const TASK_MS = 12_000;
const TASKS = 4;

describe('database blip shorter than the lease', () => {
  const defer = useCleanup();
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionLog(db()));

  it(
    `connections cut and refused for ${OUTAGE_MS} ms of a ${LEASE_MS} ms lease: no task rescued, none run twice, all complete at attempt 1`,
    async () => {
      const proxy = defer(await TcpProxy.start({ port: Number(new URL(db().url).port) }), (p) => p.close());
      const workers = await Promise.all(
        [1, 2].map(async () =>
          defer(
            await startFaultWorker({ queueUrl: proxy.url(db().url), logUrl: db().url, concurrency: TASKS, leaseMs: LEASE_MS, poolSize: 4 }),
            (w) => (w.alive() ? w.kill() : undefined),
          ),
        ),
      );
      const producer = track(await startTestApp({ url: db().url, providers: [FaultTasksProducer], worker: { enabled: false } }));
      const tasks = producer.get(TaskQueue);
      const refs = await Promise.all(Array.from({ length: TASKS }, () => tasks.add(FaultTasksProducer, 'sleep', [TASK_MS])));
      await waitFor(async () => (await readExecutions(db())).length === TASKS, 10_000, `all ${TASKS} handlers started`);

      const outage = await proxy.outage(OUTAGE_MS, 'refuse');

      const alive = await settleAndStop(
        workers,
        async () => (await readTasks(db())).every((task) => task.state !== 'pending' && task.state !== 'running'),
        TASK_MS + 20_000,
        'every task finished',
      );

      const runs = await readExecutions(db());
      const byId = new Map((await readTasks(db())).map((task) => [task.id, task]));
      expect({
        // The fault really hit the workers: their connections were cut while both ran handlers.
        connectionsCut: outage.cut >= workers.length,
        alive,
        tasks: refs.map((ref) => {
          const task = byId.get(ref.id)!;
          return { state: task.state, attempts: task.attempts, errors: task.errors.map((e) => `${e.name}: ${e.message}`) };
        }),
        runs: runs.map((run) => ({ outcome: run.outcome, attempt: run.attempt })),
        overlapping: overlappingExecutions(runs, new Map()).map(([a, b]) => describeRuns([a, b])),
      }).toEqual({
        connectionsCut: true,
        alive: [true, true],
        tasks: refs.map(() => ({ state: 'completed', attempts: 1, errors: [] })),
        runs: refs.map(() => ({ outcome: 'completed', attempt: 1 })),
        overlapping: [],
      });
      // Each handler ran the whole of its 12 s, through the outage: nothing aborted it.
      for (const run of runs) expect(run.finished_at!.getTime() - run.started_at.getTime()).toBeGreaterThanOrEqual(TASK_MS);
    },
    90_000,
  );
});
