/**
 * A storm of backend terminations: twice a second, every connection of the
 * worker processes (pool, LISTEN, control) is terminated by
 * `pg_terminate_backend` while they drain a stream of short tasks. Claims,
 * completions, renewals and LISTEN all fail at random points, including
 * after a claim committed and before its reply arrived.
 *
 * Whatever was cut, in the end: nothing is lost, nothing is left `running`
 * (a claim whose reply was lost is found by the worker's reconciliation and
 * handed back), every task is `completed`, and no task ever ran twice at
 * once.
 *
 * The queue is the test file's database on the shared server; only
 * connections whose application_name is the library's default are
 * terminated, so the producer (named otherwise), the assertions and the
 * execution log are spared.
 */
import pg from 'pg';
import { TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { useCleanup } from './support/cleanup.js';
import { createExecutionLog, describeRuns, lostTasks, overlappingExecutions, readExecutions } from './support/execution-log.js';
import { startFaultWorker } from './support/fault-worker-process.js';
import { FaultTasksProducer } from './support/fault-tasks.producer.js';
import { countByState, readTasks } from './support/queue-state.js';
import { firstFew } from './support/report.js';
import { seededRandom } from './support/seeded-random.js';
import { byAnyName } from '../support/by-any-name.js';

const LEASE_MS = 5_000;
const TASKS = 3_000;
/**
 * 200 tasks of 20–80 ms a second against 20 slots: the workers are busy
 * (claiming, completing) for the whole 15 s of the stream, so terminations
 * land on statements in flight, not only on idle connections.
 */
const BATCH = 200;
const BATCH_EVERY_MS = 1_000;
const TASK_MS = [20, 80] as const;
/** Twice a second on average, at random intervals so that the storm does not phase-lock with the batches. */
const STORM_EVERY_MS = [250, 750] as const;
const STORM_MIN_MS = 20_000;
/** The storm stops here even if the drain has not finished: what follows must recover without it. */
const STORM_MAX_MS = 45_000;
const SETTLE_TIMEOUT_MS = 3 * LEASE_MS + 30_000;

describe('backend termination storm', () => {
  const defer = useCleanup();
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionLog(db()));

  it(
    `pg_terminate_backend of every worker connection twice a second for ≥ ${STORM_MIN_MS / 1000} s: nothing lost, nothing stuck running, never twice at once`,
    async () => {
      const random = seededRandom();
      const workers = await Promise.all(
        [1, 2].map(async () =>
          defer(
            await startFaultWorker({ queueUrl: db().url, logUrl: db().url, concurrency: 10, leaseMs: LEASE_MS, poolSize: 4 }),
            (w) => (w.alive() ? w.kill() : undefined),
          ),
        ),
      );
      const producer = track(
        await startTestApp({
          providers: [FaultTasksProducer],
          connection: { url: db().url, poolSize: 2, applicationName: 'qt-faults-producer' },
          worker: { enabled: false },
        }),
      );
      const tasks = producer.get(TaskQueue);
      const storm = defer(new pg.Client({ connectionString: db().url, application_name: 'qt-faults-storm' }), (c) => c.end().catch(() => undefined));
      await storm.connect();

      const ids: string[] = [];
      const producing = (async () => {
        for (let offset = 0; offset < TASKS; offset += BATCH) {
          const refs = await byAnyName(tasks).addMany(Array.from({ length: BATCH }, () => ({ name: 'fault.sleep', args: [random.int(...TASK_MS)] })));
          ids.push(...refs.map((ref) => ref.id));
          await sleep(BATCH_EVERY_MS);
        }
      })();

      const stormStarted = Date.now();
      let terminated = 0;
      let rounds = 0;
      for (;;) {
        const elapsed = Date.now() - stormStarted;
        const drained = ids.length === TASKS && (await countByState(db())).completed === TASKS;
        // A crashed worker ends the storm: the summary reports it, and there is nothing left to storm.
        if (elapsed >= STORM_MAX_MS || (elapsed >= STORM_MIN_MS && drained) || workers.some((w) => !w.alive())) break;
        const [row] = (
          await storm.query<{ n: number }>(
            `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND application_name LIKE 'nestjs-queued-tasks%'`,
          )
        ).rows;
        terminated += row!.n;
        rounds++;
        await sleep(random.int(...STORM_EVERY_MS));
      }
      await producing;

      await waitFor(
        async () => {
          if (workers.some((w) => !w.alive())) return true; // a crash: the summary reports it
          const states = await countByState(db());
          return states.completed === TASKS || ((states.pending ?? 0) === 0 && (states.running ?? 0) === 0);
        },
        SETTLE_TIMEOUT_MS,
        'every task finished after the storm',
      ).catch(() => undefined);
      const alive = workers.map((w) => w.alive());
      await Promise.all(workers.map((w) => w.stop()));

      const runs = await readExecutions(db());
      const taskRows = await readTasks(db());
      expect({
        // The storm really hit: about every round found worker connections to terminate.
        stormHit: terminated >= rounds,
        alive,
        crashes: workers.map((w) => w.output().match(/unhandledRejection|uncaughtException/g) ?? []),
        states: await countByState(db()),
        lost: firstFew(lostTasks(ids, runs)),
        stuck: firstFew(taskRows.filter((t) => t.state !== 'completed').map((t) => `task ${t.id} ${t.state} attempts ${t.attempts}`)),
        overlapping: firstFew(overlappingExecutions(runs, new Map()).map(([a, b]) => describeRuns([a, b]))),
      }).toEqual({
        stormHit: true,
        alive: [true, true],
        crashes: [[], []],
        states: { completed: TASKS },
        lost: [],
        stuck: [],
        overlapping: [],
      });
    },
    STORM_MAX_MS + SETTLE_TIMEOUT_MS + 60_000,
  );
});
