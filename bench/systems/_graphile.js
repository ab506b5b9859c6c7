// graphile-worker 0.18, shared by its two rows. "fast" is the configuration
// of its performance page (worker.graphile.org/docs/performance): local queue
// of 500 plus batched completion/failure (completeJobBatchDelay/
// failJobBatchDelay 0). Both use concurrency 10 and maxPoolSize 12 (its
// documented advice: concurrency + 2).

import { Logger, makeWorkerUtils, run, runMigrations } from 'graphile-worker';
import { packageVersion, quietPool, sqlInspector } from './_shared.js';

const TASK = 'bench_noop';

// Only errors: its info lines ("Worker connected...") would drown the report.
const logger = new Logger(() => (level, message) => {
  if (level === 'error' && !/terminating connection due to administrator command/.test(message)) console.error(`graphile-worker: ${message}`);
});

export function graphileSystem({ id, label, fast }) {
  const tuning = fast ? { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } : {};
  return {
    id,
    label,
    kind: 'peer',
    backend: 'postgres',
    workloads: ['w1', 'w2', 'w3', 'w3a', 'w4', 'w5', 'w6'],
    settings: fast
      ? 'concurrency 10, maxPoolSize 12, localQueue.size 500, completeJobBatchDelay 0, failJobBatchDelay 0'
      : 'concurrency 10, maxPoolSize 12, everything else default',
    notes: { w6: 'graphile-worker deletes a job when it completes, so its table never holds finished jobs: its W6 table has only the queued backlog.' },
    version: () => packageVersion('graphile-worker'),
    probe: async () => null,

    install: ({ url }) => runMigrations({ connectionString: url, logger }),

    async producer({ url }, { connections }) {
      const pgPool = quietPool({ connectionString: url, max: connections });
      const utils = await makeWorkerUtils({ pgPool, logger });
      return {
        add: (i) => utils.addJob(TASK, { i }),
        addMany: (indexes) => utils.addJobs(indexes.map((i) => ({ identifier: TASK, payload: { i } }))),
        async close() {
          await utils.release();
          await pgPool.end();
        },
      };
    },

    // No finished rows to add: completed jobs are deleted (see notes.w6).
    prefillFinished: null,

    inspector: ({ url }) => sqlInspector(url, 'SELECT count(*) FROM graphile_worker._private_jobs'),

    async startWorker({ url }, { concurrency, onTask }) {
      const runner = await run({
        connectionString: url,
        concurrency,
        maxPoolSize: concurrency + 2,
        noHandleSignals: true, // the bench child owns its signals
        logger,
        taskList: { [TASK]: async (payload) => onTask(payload.i) },
        preset: { worker: tuning },
      });
      return { stop: () => runner.stop() };
    },
  };
}
