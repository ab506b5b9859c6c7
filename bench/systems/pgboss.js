// pg-boss 12. Configured for throughput the way its own options allow:
// - the queue is created with `notify: true` and the worker with
//   `useListenNotify: true`, so an idle worker wakes on NOTIFY instead of
//   polling every 2 s;
// - a worker waits its polling interval after every fetch that is not a full
//   batch, and burst mode (`burstWhenBatchFull`) needs batchSize > 1, so
//   "concurrency 10" is 2 fetch loops (localConcurrency) × batches of 5,
//   each batch's jobs run concurrently: 10 jobs in flight at most.

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
  workloads: ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'],
  settings: 'queue notify:true + useListenNotify; work(): localConcurrency 2 × batchSize 5, burstWhenBatchFull; pool max 12 (worker) / 8 (producer); producers run with supervise/schedule off',
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
    const batchSize = concurrency % 2 === 0 ? concurrency / 2 : concurrency;
    await b.work(
      QUEUE,
      { localConcurrency: concurrency / batchSize, batchSize, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 },
      async (jobs) => {
        await Promise.all(jobs.map((job) => onTask(job.data.i)));
      },
    );
    return { stop: () => b.stop({ graceful: true, timeout: 30_000 }) };
  },
};
