/**
 * The server runs out of connections during a drain: something else takes
 * every slot the application's role may use, the workers' connections are
 * terminated, and for ~5 s every reconnection is refused with 53300
 * ("remaining connection slots are reserved…"). Then the slots come back.
 *
 * The workers must live through it: one-line warnings that name the cause
 * (no stack traces, no unhandled rejection, no crash), then recover by
 * themselves and finish. The outage is shorter than their lease's fencing
 * point, so they are alive throughout: nothing is lost, nothing rescued,
 * and no task runs twice.
 *
 * The queue runs on a server of this test's own with `max_connections=20`
 * (3 reserved for superusers: the application's role may hold 17); the
 * fault's checks run on one superuser connection opened before the slots are
 * taken, and the execution log is
 * on the shared test server.
 */
import pg from 'pg';
import { TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { useCleanup } from './support/cleanup.js';
import { createExecutionLog, describeRuns, groupByTask, lostTasks, overlappingExecutions, readExecutions } from './support/execution-log.js';
import { settleAndStop, startFaultWorker } from './support/fault-worker-process.js';
import { FaultTasksProducer } from './support/fault-tasks.producer.js';
import { describeWithOwnServer, startOwnPostgres, type OwnPostgres } from './support/own-postgres.js';
import { countByState, readTasks, rescuedTasks } from './support/queue-state.js';
import { firstFew } from './support/report.js';
import { seededRandom } from './support/seeded-random.js';
import { byAnyName } from '../support/by-any-name.js';

const MAX_CONNECTIONS = 20;
const LEASE_MS = 15_000;
const TASKS = 3_000;
/** 3,000 tasks of 20–60 ms on 20 slots: about 6 s of drain unhindered, so the exhaustion lands mid-drain. */
const TASK_MS = [20, 60] as const;
const HOLD_MS = 5_000;
/** SQLSTATE too_many_connections: "sorry, too many clients already", or the non-superuser's "remaining connection slots are reserved…". */
const TOO_MANY_CONNECTIONS = '53300';
const WORKER_APPLICATION = 'nestjs-queued-tasks%';

/** Connections the test holds to starve the application, as the application's own role. */
class ConnectionHog {
  readonly held: pg.Client[] = [];
  refusals = 0;

  constructor(private readonly own: OwnPostgres) {}

  /** Opens connections until the server refuses one. */
  async fill(): Promise<void> {
    for (;;) {
      const client = new pg.Client({ connectionString: this.own.url, application_name: 'qt-faults-hog' });
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch (error) {
        if ((error as { code?: string }).code !== TOO_MANY_CONNECTIONS) throw error;
        this.refusals++;
        return;
      }
      this.held.push(client);
    }
  }

  async release(): Promise<void> {
    await Promise.all(this.held.splice(0).map((client) => client.end().catch(() => undefined)));
  }
}

describeWithOwnServer('connection exhaustion', () => {
  const defer = useCleanup();
  const { db } = useTestDatabase();
  beforeAll(() => createExecutionLog(db()));

  it(
    `max_connections=${MAX_CONNECTIONS}, every slot taken for ${HOLD_MS} ms mid-drain: clear warnings, no crash, recovery, nothing lost`,
    async () => {
      const random = seededRandom();
      const own = defer(await startOwnPostgres({ postgresFlags: ['-c', `max_connections=${MAX_CONNECTIONS}`, '-c', 'superuser_reserved_connections=3'] }), (s) =>
        s.destroy(),
      );
      const workers = await Promise.all(
        [1, 2].map(async () =>
          defer(
            await startFaultWorker({ queueUrl: own.url, logUrl: db().url, concurrency: 10, leaseMs: LEASE_MS, poolSize: 4 }),
            (w) => (w.alive() ? w.kill() : undefined),
          ),
        ),
      );
      // Closed by `defer`, not `track`: teardown runs in reverse, so the app closes before its server is destroyed.
      const producer = defer(
        await startTestApp({
          providers: [FaultTasksProducer],
          connection: { url: own.url, poolSize: 2, applicationName: 'qt-faults-producer' },
          worker: { enabled: false },
        }),
        (app) => app.close(),
      );
      const tasks = producer.get(TaskQueue);
      const ids: string[] = [];
      for (let offset = 0; offset < TASKS; offset += 500) {
        const refs = await byAnyName(tasks).addMany(Array.from({ length: 500 }, () => ({ name: 'fault.sleep', args: [random.int(...TASK_MS)] })));
        ids.push(...refs.map((ref) => ref.id));
      }
      await waitFor(async () => ((await countByState(own)).completed ?? 0) >= TASKS / 10, 30_000, 'a tenth of the drain done');

      const hog = defer(new ConnectionHog(own), (h) => h.release());
      // One superuser connection for the whole fault, opened before the slots are taken: a connection
      // per check could find even the reserved slots busy (refused logins hold one while refused).
      const admin = defer(await own.session('admin'), (c) => c.end().catch(() => undefined));
      const workerConnections = async () =>
        (
          await admin.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1`,
            [WORKER_APPLICATION],
          )
        ).rows[0]!.n;
      const cutWorkerConnections = () =>
        admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1`,
          [WORKER_APPLICATION],
        );
      // Take the free slots, then the workers' own: terminate their connections and take each slot
      // as it frees, before their reconnection does (they back off; we do not).
      await hog.fill();
      const starveDeadline = Date.now() + 5_000;
      while ((await workerConnections()) > 0 && Date.now() < starveDeadline) {
        await cutWorkerConnections();
        for (let i = 0; i < 20; i++) {
          await hog.fill();
          await sleep(5);
        }
      }
      const starved = (await workerConnections()) === 0;
      // Hold the slots. A connection the workers had in its start-up handshake when we looked (not yet
      // in pg_stat_activity under its name) may still get in, or a slot may free as a terminated backend
      // exits: keep taking freed slots and cutting any worker connection that got one, and measure the
      // share of the hold during which the workers held none.
      const holdUntil = Date.now() + HOLD_MS;
      let samples = 0;
      let starvedSamples = 0;
      while (Date.now() < holdUntil) {
        samples++;
        if ((await workerConnections()) === 0) starvedSamples++;
        else await cutWorkerConnections();
        await hog.fill();
        await sleep(20);
      }
      const stillStarved = starvedSamples / samples >= 0.9;
      // And the server still refused the application's role at the end of the hold.
      const held = hog.held.length;
      await hog.fill();
      const refusedAtEnd = hog.held.length === held;
      await hog.release();

      // Watched on the held superuser connection: the application's role may still be refused for a
      // moment while the released backends exit and the workers reconnect.
      const asAdmin = { query: async <Row extends pg.QueryResultRow>(text: string) => (await admin.query<Row>(text)).rows };
      const alive = await settleAndStop(
        workers,
        async () => (await countByState(asAdmin)).completed === TASKS,
        60_000,
        'every task completed after the exhaustion',
      );

      const runs = await readExecutions(db());
      const byTask = groupByTask(runs);
      const taskRows = await readTasks(own);
      const outputs = workers.map((w) => w.output());
      expect({
        // The fault happened: the workers held no connection at the start of the hold, and none for 90 % of it.
        starved,
        stillStarved,
        refusedAtEnd,
        alive,
        // Each worker said why it could not work, in a line of its own.
        namedTheCause: outputs.map((out) => /remaining connection slots are reserved|too many clients/.test(out)),
        stackTraces: outputs.map((out) => firstFew(out.split('\n').filter((line) => /^\s+at .+:\d+:\d+\)?$/.test(line)), 3)),
        crashes: outputs.map((out) => out.match(/unhandledRejection|uncaughtException/g) ?? []),
        states: await countByState(own),
        lost: firstFew(lostTasks(ids, runs)),
        rescued: firstFew(rescuedTasks(taskRows).map((t) => `task ${t.id}: ${t.errors.map((e) => e.message).join('; ')}`)),
        ranMoreThanOnce: firstFew([...byTask].filter(([, list]) => list.length > 1).map(([, list]) => describeRuns(list))),
        overlapping: firstFew(overlappingExecutions(runs, new Map()).map(([a, b]) => describeRuns([a, b]))),
      }).toEqual({
        starved: true,
        stillStarved: true,
        refusedAtEnd: true,
        alive: [true, true],
        namedTheCause: [true, true],
        stackTraces: [[], []],
        crashes: [[], []],
        states: { completed: TASKS },
        lost: [],
        rescued: [],
        ranMoreThanOnce: [],
        overlapping: [],
      });
    },
    150_000,
  );
});
