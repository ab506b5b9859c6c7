/**
 * Processes with different settings side by side, as deployed: a worker
 * tuned for long tasks (10 s lease) next to one with a 500 ms lease. Each is
 * judged by its own lease, whichever process leads maintenance: the short
 * lease of one never gets the other's running tasks rescued.
 */
import { TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { useCleanup } from './support/cleanup.js';
import { createExecutionLog, describeRuns, overlappingExecutions, readExecutions } from './support/execution-log.js';
import { settleAndStop, startFaultWorker } from './support/fault-worker-process.js';
import { FaultTasksProducer } from './support/fault-tasks.producer.js';
import { readTasks } from './support/queue-state.js';
import { byAnyName } from '../support/by-any-name.js';

const TASKS = 8;
const TASK_MS = 2_500;

describe('workers with different leases', () => {
  const defer = useCleanup();
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionLog(db()));

  it('a 500 ms lease beside a 10 s one: every task runs once, none is rescued', async () => {
    const workers = await Promise.all(
      [10_000, 500].map(async (leaseMs) =>
        defer(await startFaultWorker({ queueUrl: db().url, logUrl: db().url, concurrency: 2, leaseMs }), (w) =>
          w.alive() ? w.kill() : undefined,
        ),
      ),
    );
    const producer = track(await startTestApp({ url: db().url, providers: [FaultTasksProducer], worker: { enabled: false } }));
    const refs = await byAnyName(producer.get(TaskQueue)).addMany(Array.from({ length: TASKS }, () => ({ name: 'fault.sleep', args: [TASK_MS] })));
    const alive = await settleAndStop(
      workers,
      async () => (await readTasks(db())).every((task) => task.state === 'completed'),
      TASKS * TASK_MS + 15_000,
      'every task completed',
    );
    const runs = await readExecutions(db());
    const tasks = await readTasks(db());
    expect({
      alive,
      overlapping: overlappingExecutions(runs, new Map()).map(([a, b]) => describeRuns([a, b])),
      runs: runs.length,
      tasks: tasks.map((task) => ({ state: task.state, attempts: task.attempts, errors: task.errors.map((e) => e.name) })),
    }).toEqual({
      alive: [true, true],
      overlapping: [],
      runs: TASKS,
      tasks: refs.map(() => ({ state: 'completed', attempts: 1, errors: [] })),
    });
  }, 60_000);
});
