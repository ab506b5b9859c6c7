// BullMQ 6, shared by its two rows: the PostgreSQL backend (selected by
// passing `createPostgresBackend` as the last constructor argument, see
// docs.bullmq.io/guide/postgresql) and the classic Redis backend. Same
// Queue/Worker code for both; worker concurrency 10, jobs kept on completion
// (BullMQ's default), so finished jobs stay in the table like ours.

import { FlowProducer, Queue, Worker, createPostgresBackend, runMigrations } from 'bullmq';
import { deleteKeys, probeRedis, redisOptions } from '../lib/redis.js';
import { packageVersion, quietClient, reportErrors, runSql } from './_shared.js';

const QUEUE = 'bench_noop';
const SCHEMA = 'bullmq';

export function bullmqSystem({ backend }) {
  const onPg = backend === 'postgres';

  // [options, backendFactory] for a Queue/Worker of one measurement.
  const connect = (target, poolSize) =>
    onPg
      ? [{ connection: { connectionString: target.url, schema: SCHEMA, max: poolSize } }, createPostgresBackend]
      : [{ connection: redisOptions(target.redisUrl), prefix: target.prefix }, undefined];

  const queue = (target, poolSize) => {
    const [opts, factory] = connect(target, poolSize);
    const q = factory ? new Queue(QUEUE, opts, factory) : new Queue(QUEUE, opts);
    q.on('error', reportErrors('bullmq queue'));
    return q;
  };

  return {
    id: onPg ? 'bullmq-pg' : 'bullmq-redis',
    label: onPg ? 'BullMQ (PostgreSQL)' : 'BullMQ (Redis)',
    kind: 'peer',
    backend,
    workloads: onPg ? ['w1', 'w2', 'w3', 'w3a', 'w4', 'w5', 'w6', 'w8'] : ['w1', 'w2', 'w3', 'w3a', 'w4', 'w5', 'w8'],
    settings: onPg
      ? 'createPostgresBackend, schema "bullmq", worker concurrency 10, pool max 12 (worker) / 8 (producer)'
      : 'ioredis, worker concurrency 10; Redis durability is its own server config (see meta), not PostgreSQL\'s',
    notes: onPg ? {} : { w6: 'BullMQ on Redis is not part of W6: the workload measures PostgreSQL table growth.' },
    version: () => packageVersion('bullmq'),

    async probe(env) {
      if (onPg) return null;
      try {
        env.redis = await probeRedis(env.redisUrl);
        return null;
      } catch (err) {
        return `no Redis answered at ${env.redisUrl} (${err?.message ?? err}); set BENCH_REDIS_URL to include BullMQ on Redis`;
      }
    },

    async install(target) {
      if (!onPg) return;
      const client = quietClient({ connectionString: target.url });
      await client.connect();
      try {
        await runMigrations(client, SCHEMA);
      } finally {
        await client.end();
      }
    },

    async producer(target, { connections }) {
      const q = queue(target, connections);
      await q.waitUntilReady();
      let flows = null;
      const flowProducer = () => {
        if (flows) return flows;
        const [opts, factory] = connect(target, connections);
        flows = factory ? new FlowProducer(opts, factory) : new FlowProducer(opts);
        flows.on?.('error', reportErrors('bullmq flow producer'));
        return flows;
      };
      return {
        add: (i) => q.add('noop', { i }),
        addMany: (indexes) => q.addBulk(indexes.map((i) => ({ name: 'noop', data: { i } }))),
        // BullMQ's flow parent runs after its children: our fan-in child is its parent.
        addFlow: (first, parents) =>
          flowProducer().add({
            name: 'noop',
            queueName: QUEUE,
            data: { i: first + parents },
            children: Array.from({ length: parents }, (_, k) => ({ name: 'noop', queueName: QUEUE, data: { i: first + k } })),
          }),
        close: async () => {
          await flows?.close();
          await q.close();
        },
      };
    },

    prefillFinished: onPg
      ? ({ url }, count) =>
          runSql(
            url,
            `INSERT INTO ${SCHEMA}.job (queue, id, seq, name, state, data, added_at_ms, processed_at_ms, finished_at_ms, attempts_made, attempts_started, return_value)
             SELECT $2, 'done-' || g, nextval('${SCHEMA}.job_seq'), 'noop', 'completed', jsonb_build_object('i', -g), ms, ms, ms, 1, 1, 'null'::jsonb
             FROM generate_series(1, $1) g, (SELECT (extract(epoch FROM now()) * 1000)::bigint AS ms) t`,
            [count, QUEUE],
          )
      : null,

    async inspector(target) {
      const q = queue(target, 2);
      await q.waitUntilReady();
      return {
        unfinished: () => q.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized', 'paused'),
        close: () => q.close(),
      };
    },

    async startWorker(target, { concurrency, onTask }) {
      const [opts, factory] = connect(target, concurrency + 2);
      const processor = async (job) => onTask(job.data.i);
      const workerOpts = { ...opts, concurrency };
      const worker = factory ? new Worker(QUEUE, processor, workerOpts, factory) : new Worker(QUEUE, processor, workerOpts);
      worker.on('error', reportErrors('bullmq worker'));
      await worker.waitUntilReady();
      return { stop: () => worker.close() };
    },

    // Redis has no database per measurement: its keys are removed instead.
    dispose: onPg ? null : (target) => deleteKeys(target.redisUrl, target.prefix),
  };
}
