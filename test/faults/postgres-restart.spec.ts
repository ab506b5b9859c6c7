/**
 * The queue's PostgreSQL restarts (fast shutdown, 5 s down, started again on
 * the same port and data) under live workers, running handlers, and a
 * producer enqueuing all along.
 *
 * - No application restarts: the workers' pools, their LISTEN connections
 *   and the producer's pool come back by themselves. Wake-ups are proved by
 *   notification: the workers poll only every minute, so a task enqueued
 *   after the restart that starts within a second was announced by NOTIFY.
 * - `add` fails while the server is away, with `QueueUnavailableError` and
 *   nothing else; every `add` that resolved is a task that completes.
 * - The workers are alive throughout, and the outage is shorter than their
 *   lease (and than the ~80 % of it at which they would fence themselves):
 *   no task is rescued (no `WorkerLostError`), every handler runs exactly
 *   once, at attempt 1; handlers that finished while the server was down
 *   have their completion recorded once it is back.
 *
 * The queue runs on a server of this test's own (it is stopped); the
 * execution log is on the shared test server.
 */
import { QueueUnavailableError, TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { useCleanup } from './support/cleanup.js';
import { createExecutionLog, describeRuns, groupByTask, lostTasks, overlappingExecutions, readExecutions } from './support/execution-log.js';
import { settleAndStop, startFaultWorker } from './support/fault-worker-process.js';
import { FaultTasksProducer } from './support/fault-tasks.producer.js';
import { describeWithOwnServer, startOwnPostgres } from './support/own-postgres.js';
import { countByState, readTasks, rescuedTasks } from './support/queue-state.js';
import { firstFew } from './support/report.js';

const LEASE_MS = 20_000;
const DOWN_MS = 5_000;
/** Far longer than the scenario: only a notification can wake an idle worker in time. */
const POLL_MS = 60_000;
const ENQUEUE_EVERY_MS = 100;
/** Handlers running when the server stops: some end while it is down, some after it is back. */
const LONG_TASKS_MS = [3_000, 3_000, 3_000, 9_000, 9_000, 9_000];

describeWithOwnServer('PostgreSQL restart under live workers', () => {
  const defer = useCleanup();
  const { db } = useTestDatabase();
  beforeAll(() => createExecutionLog(db()));

  it(
    `fast shutdown, ${DOWN_MS} ms down, same port: workers and LISTEN come back, add fails cleanly meanwhile, nothing lost or rescued`,
    async () => {
      const own = defer(await startOwnPostgres(), (s) => s.destroy());
      const workers = await Promise.all(
        [1, 2].map(async () =>
          defer(
            await startFaultWorker({ queueUrl: own.url, logUrl: db().url, concurrency: 6, leaseMs: LEASE_MS, pollMs: POLL_MS, poolSize: 4 }),
            (w) => (w.alive() ? w.kill() : undefined),
          ),
        ),
      );
      // Closed by `defer`, not `track`: teardown runs in reverse, so the app closes before its server is destroyed.
      const producer = defer(await startTestApp({ url: own.url, providers: [FaultTasksProducer], worker: { enabled: false } }), (app) => app.close());
      const tasks = producer.get(TaskQueue);

      /** Every task `add` resolved for, and when that add was called. */
      const accepted: { id: string; at: number }[] = [];
      for (const ms of LONG_TASKS_MS) accepted.push({ id: (await tasks.add(FaultTasksProducer, 'sleep', [ms])).id, at: Date.now() });
      await waitFor(async () => (await readExecutions(db())).length === LONG_TASKS_MS.length, 10_000, 'the long handlers started');

      // A steady producer: one add every 100 ms, before, during and after the outage.
      const rejections: { at: number; name: string; message: string }[] = [];
      let producing = true;
      const stream = (async () => {
        while (producing) {
          const at = Date.now();
          try {
            accepted.push({ id: (await tasks.add(FaultTasksProducer, 'sleep', [50])).id, at });
          } catch (error) {
            rejections.push({ at, name: (error as Error).name, message: (error as Error).message });
          }
          await sleep(Math.max(0, ENQUEUE_EVERY_MS - (Date.now() - at)));
        }
      })();
      await sleep(1_000);
      const { stoppedAt, startedAt } = await own.restart(DOWN_MS);
      await sleep(3_000);
      producing = false;
      await stream;

      // Notifications flow again: a probe enqueued now starts within a second (the poll is a minute).
      // The LISTEN connection may still be in its reconnect backoff just after the restart: probe until one
      // gets through, within a bound.
      const probeDeadline = Date.now() + 15_000;
      let probeLatency: number | undefined;
      while (probeLatency === undefined && Date.now() < probeDeadline) {
        const enqueuedAt = Date.now();
        const probe = await tasks.add(FaultTasksProducer, 'sleep', [1]);
        accepted.push({ id: probe.id, at: enqueuedAt });
        const started = await waitFor(async () => (await readExecutions(db())).find((run) => run.task_id === probe.id), 1_000).catch(() => undefined);
        if (started) probeLatency = started.started_at.getTime() - enqueuedAt;
      }

      const alive = await settleAndStop(
        workers,
        async () => (await countByState(own)).completed === accepted.length,
        30_000,
        'every accepted task completed',
      );

      const runs = await readExecutions(db());
      const byTask = groupByTask(runs);
      const taskRows = await readTasks(own);
      const notOnce = taskRows.filter((task) => task.attempts !== 1 || byTask.get(task.id)?.length !== 1);
      const outageRejections = rejections.filter((r) => r.at >= stoppedAt - 1_000 && r.at <= startedAt + 1_000);
      expect({
        alive,
        wrongRejections: rejections.filter((r) => r.name !== QueueUnavailableError.name).map((r) => `${r.name}: ${r.message}`),
        rejectedDuringOutage: outageRejections.length > 0,
        rejectedOutsideOutage: rejections.filter((r) => !outageRejections.includes(r)).map((r) => `${new Date(r.at).toISOString()} ${r.message}`),
        acceptedAfterRestart: accepted.filter((a) => a.at > startedAt).length >= 10,
        notificationsBack: probeLatency !== undefined && probeLatency < 1_000,
        states: await countByState(own),
        lost: firstFew(lostTasks(accepted.map((a) => a.id), runs)),
        rescued: firstFew(rescuedTasks(taskRows).map((t) => `task ${t.id}: ${t.errors.map((e) => e.message).join('; ')}`)),
        notExactlyOnce: firstFew(notOnce.map((t) => `task ${t.id} attempts ${t.attempts}:\n${describeRuns(byTask.get(t.id) ?? [])}`)),
        overlapping: overlappingExecutions(runs, new Map()).map(([a, b]) => describeRuns([a, b])),
      }).toEqual({
        alive: [true, true],
        wrongRejections: [],
        rejectedDuringOutage: true,
        rejectedOutsideOutage: [],
        acceptedAfterRestart: true,
        notificationsBack: true,
        states: { completed: taskRows.length },
        lost: [],
        rescued: [],
        notExactlyOnce: [],
        overlapping: [],
      });
    },
    120_000,
  );
});
