/**
 * A claim that committed but whose reply never reached the worker: the task
 * is `running` under a worker that is alive and renewing its lease, yet
 * knows nothing of it. No rescue will ever take it (its worker is not dead);
 * only the worker itself can notice, by reconciling what the database says
 * it runs with what it really runs, and hand it back.
 *
 * The backend-termination storm can produce this too, but only by the luck
 * of a termination between a commit and its reply; here the proxy does it
 * on purpose, once.
 *
 * Expected: the task is handed back without spending its attempt (no handler
 * started), not rescued (no `WorkerLostError`: nobody died), and then runs
 * exactly once, at attempt 1, within two leases.
 */
import { TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { waitFor } from '../support/wait-for.js';
import { useCleanup } from './support/cleanup.js';
import { createExecutionLog, readExecutions } from './support/execution-log.js';
import { startFaultWorker } from './support/fault-worker-process.js';
import { FaultTasksProducer } from './support/fault-tasks.producer.js';
import { readTasks } from './support/queue-state.js';
import { TcpProxy, type StatementReply } from './support/tcp-proxy.js';

const LEASE_MS = 5_000;

/**
 * The claim's reply: rows of tasks handed to a worker. Recognised by its
 * columns (a claim returns the task's `args` and `attempts`) and by a row
 * that holds a task: a claim that took nothing returns one row of NULLs
 * (found when claims became `WITH … SELECT` statements: this predicate then
 * cut an empty claim, and the task was never claimed at all).
 */
const isClaimReply = (reply: StatementReply) =>
  /^(UPDATE|SELECT) /.test(reply.tag) && reply.valueRows > 0 && reply.columns.includes('args') && reply.columns.includes('attempts');

describe('lost reply of a committed claim', () => {
  const defer = useCleanup();
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionLog(db()));

  it('the live worker hands the task back (attempt not spent, no rescue) and it runs once', async () => {
    const proxy = defer(await TcpProxy.start({ port: Number(new URL(db().url).port) }), (p) => p.close());
    const worker = defer(
      await startFaultWorker({ queueUrl: proxy.url(db().url), logUrl: db().url, concurrency: 2, leaseMs: LEASE_MS, poolSize: 4 }),
      (w) => (w.alive() ? w.kill() : undefined),
    );
    const producer = track(await startTestApp({ url: db().url, providers: [FaultTasksProducer], worker: { enabled: false } }));

    const lost = proxy.cutAfterCommit(isClaimReply);
    const ref = await producer.get(TaskQueue).add(FaultTasksProducer, 'sleep', [10]);
    let timer: NodeJS.Timeout | undefined;
    const reply = await Promise.race([lost, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 10_000)))]);
    clearTimeout(timer);
    const cutAt = Date.now();
    expect(reply).toMatchObject({ rows: 1 });
    // Committed (the proxy saw the claim's reply, sent after its commit) and
    // no handler started. The worker reconciles as soon as its claim has
    // failed, so by now the task is `running` or already handed back.
    const [afterCut] = (await readTasks(db())).filter((t) => t.id === ref.id);
    const runsAfterCut = (await readExecutions(db())).length;

    const settledInTime = await waitFor(
      // A crash ends the wait: the summary reports it.
      async () => !worker.alive() || (await readTasks(db())).find((t) => t.id === ref.id && t.state === 'completed'),
      2 * LEASE_MS,
      'the task completed after its claim reply was lost',
    ).then(
      () => true,
      () => false,
    );
    const completedAfterMs = Date.now() - cutAt;
    const alive = worker.alive();
    await worker.stop();

    const runs = await readExecutions(db());
    const [task] = (await readTasks(db())).filter((t) => t.id === ref.id);
    expect({
      afterCut: { state: ['running', 'pending'].includes(afterCut!.state) || afterCut!.state, runs: runsAfterCut },
      completedWithinTwoLeases: (settledInTime && task!.state === 'completed') || `${task!.state} ${completedAfterMs} ms after the cut`,
      alive,
      task: { state: task!.state, attempts: task!.attempts, errors: task!.errors.map((e) => e.name) },
      runs: runs.map((run) => ({ task: run.task_id, attempt: run.attempt, outcome: run.outcome })),
    }).toEqual({
      afterCut: { state: true, runs: 0 },
      completedWithinTwoLeases: true,
      alive: true,
      task: { state: 'completed', attempts: 1, errors: [] },
      runs: [{ task: ref.id, attempt: 1, outcome: 'completed' }],
    });
  }, 60_000);
});
