// What a workload needs around a measurement: a fresh database cloned from the
// system's template (so no run disturbs another), prefill helpers, CHECKPOINT,
// and polling for "N tasks durably completed".

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { nowMs, sleep } from './clock.js';

export function createHarness({ config, pgServer, redisUrl }) {
  const runId = randomBytes(3).toString('hex');
  const templates = new Map(); // `${systemId}:${kind}` -> database name
  let serial = 0;
  const dbName = (suffix) => `qtb_${runId}_${suffix}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();

  async function sql(url, text) {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {}); // see systems/_shared.js quietClient
    await client.connect();
    try {
      return await client.query(text);
    } finally {
      await client.end();
    }
  }

  // Enqueues indexes [from, from+count) through the system's bulk API; with
  // `keyOf`, through its keyed bulk API (addManyKeyed), task i getting the
  // concurrency key keyOf(i).
  async function prefillQueued(system, target, { from = 0, count, batch, keyOf = null }) {
    const producer = await system.producer(target, { connections: 2 });
    try {
      if (keyOf && !producer.addManyKeyed) throw new Error(`${system.id} has no keyed bulk API (addManyKeyed)`);
      for (let start = from; start < from + count; start += batch) {
        const size = Math.min(batch, from + count - start);
        const indexes = Array.from({ length: size }, (_, k) => start + k);
        await (keyOf ? producer.addManyKeyed(indexes, keyOf) : producer.addMany(indexes));
      }
    } finally {
      await producer.close();
    }
  }

  // The schema-only template every measurement of a system is cloned from.
  async function baseTemplate(system) {
    const key = `${system.id}:base`;
    if (!templates.has(key)) {
      const name = dbName(`tpl_${system.id}`);
      const url = await pgServer.createDatabase(name);
      await system.install({ url });
      templates.set(key, name);
    }
    return templates.get(key);
  }

  // W6's template: base + finished tasks (SQL) + queued backlog (bulk API),
  // vacuumed like a long-lived table. Built once, cloned every round.
  async function scaleTemplate(system) {
    const key = `${system.id}:w6`;
    if (!templates.has(key)) {
      const name = dbName(`w6_${system.id}`);
      const url = await pgServer.createDatabase(name, await baseTemplate(system));
      const t = nowMs();
      if (system.prefillFinished) await system.prefillFinished({ url }, config.w6Finished);
      await prefillQueued(system, { url }, { count: config.w6Queued, batch: system.prefillBatch ?? 10_000 });
      await sql(url, 'VACUUM ANALYZE');
      console.log(`    built W6 table for ${system.label} in ${((nowMs() - t) / 1000).toFixed(1)} s`);
      templates.set(key, name);
    }
    return templates.get(key);
  }

  return {
    config,
    prefillQueued,

    // A target of its own for one measurement, and how to get rid of it.
    async freshTarget(system, kind = 'base') {
      serial++;
      if (system.backend === 'redis') {
        const target = { redisUrl, prefix: `qtb:${runId}:${serial}` };
        return { target, dispose: () => system.dispose(target) };
      }
      const template = kind === 'w6' ? await scaleTemplate(system) : await baseTemplate(system);
      const name = dbName(`m${serial}_${system.id}`);
      const url = await pgServer.createDatabase(name, template);
      return { target: { url }, dispose: () => pgServer.dropDatabase(name) };
    },

    // With `analyze`, the table as autovacuum leaves it (visibility map, hint
    // bits, planner statistics), as the W6 template is; without, as a fresh
    // burst leaves it, before autoanalyze. Then a CHECKPOINT so no
    // measurement pays for the previous one's dirty buffers.
    async settle(target, { analyze = true } = {}) {
      if (target.url && analyze) await sql(target.url, 'VACUUM ANALYZE');
      await pgServer.checkpoint();
    },

    checkpoint: () => pgServer.checkpoint(),

    // Polls until at most `atMost` tasks are queued or running; returns the
    // time it was first seen (parent clock) or throws after `timeoutMs`.
    async waitUnfinished(inspector, atMost, timeoutMs = 60_000) {
      const deadline = nowMs() + timeoutMs;
      for (;;) {
        const n = await inspector.unfinished();
        const t = nowMs();
        if (n <= atMost) return { t, unfinished: n };
        if (t > deadline) throw new Error(`still ${n} unfinished tasks (wanted ≤ ${atMost}) after ${timeoutMs / 1000} s`);
        await sleep(10);
      }
    },

    async dropTemplates() {
      for (const name of templates.values()) {
        await pgServer.dropDatabase(name).catch((err) => console.log(`  (could not drop ${name}: ${err.message})`));
      }
      templates.clear();
    },
  };
}
