// pg-boss 12. Configured for throughput the way its own options allow:
// - the queue is created with `notify: true` and the worker with
//   `useListenNotify: true`, so an idle worker wakes on NOTIFY instead of
//   polling every 2 s;
// - a worker waits its polling interval after every fetch unless the fetch
//   came back full and burst mode (`burstWhenBatchFull`, batchSize > 1) is
//   on; with batchSize 1 and localConcurrency 10 it therefore handles ~10 jobs
//   per interval. So "concurrency 10" is one fetch loop taking batches of 10
//   whose jobs run concurrently: 10 jobs in flight at most. (Measured on the
//   2-core box, 20k drain: 1×10 ≈ 1,970/s, 2×5 ≈ 1,340/s, 5×2 ≈ 920/s.)

import { PgBoss } from 'pg-boss';
import { packageVersion, reportErrors, runSql, sqlInspector } from './_shared.js';

const QUEUE = 'bench_noop';
const SCHEMA = 'pgboss';

function boss(url, extra) {
  const b = new PgBoss({ connectionString: url, schema: SCHEMA, ...extra });
  b.on('error', reportErrors('pg-boss'));
  return b;
}

export default {
  id: 'pgboss',
  label: 'pg-boss',
  kind: 'peer',
  backend: 'postgres',
  workloads: ['w1', 'w2', 'w3', 'w3a', 'w4', 'w5', 'w6'],
  settings: 'queue notify:true + useListenNotify; work(): batchSize 10 (jobs of a batch run concurrently), localConcurrency 1, burstWhenBatchFull; pool max 12 (worker) / 8 (producer); producer instances with supervise/schedule off',
  version: () => packageVersion('pg-boss'),
  probe: async () => null,

  async install({ url }) {
    const b = boss(url, { supervise: false, schedule: false });
    await b.start();
    await b.createQueue(QUEUE, { notify: true });
    await b.stop({ graceful: false });
  },

  async producer({ url }, { connections }) {
    // A producer-only instance: maintenance and cron belong to the worker process.
    const b = boss(url, { max: connections, supervise: false, schedule: false });
    await b.start();
    return {
      add: (i) => b.send(QUEUE, { i }),
      addMany: (indexes) => b.insert(QUEUE, indexes.map((i) => ({ data: { i } }))),
      close: () => b.stop({ graceful: false }),
    };
  },

  prefillFinished: ({ url }, count) =>
    runSql(
      url,
      `INSERT INTO ${SCHEMA}.job (name, data, state, started_on, completed_on)
       SELECT $2, jsonb_build_object('i', -g), 'completed', now(), now() FROM generate_series(1, $1) g`,
      [count, QUEUE],
    ),

  inspector: ({ url }) => sqlInspector(url, `SELECT count(*) FROM ${SCHEMA}.job WHERE name = '${QUEUE}' AND state IN ('created', 'retry', 'active')`),

  async startWorker({ url }, { concurrency, onTask }) {
    const b = boss(url, { max: concurrency + 2, useListenNotify: true });
    await b.start();
    await b.work(
      QUEUE,
      { localConcurrency: 1, batchSize: concurrency, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 },
      async (jobs) => {
        await Promise.all(jobs.map((job) => onTask(job.data.i)));
      },
    );
    return { stop: () => b.stop({ graceful: true, timeout: 30_000 }) };
  },
};
