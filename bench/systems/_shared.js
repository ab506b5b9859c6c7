// Helpers the adapters share: package versions, one-off SQL, and the
// "how many tasks are still queued or running" inspector.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const benchDir = path.resolve(import.meta.dirname, '..');

export function packageVersion(name, from = benchDir) {
  try {
    return JSON.parse(readFileSync(path.join(from, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

// Pools and clients of a measurement are still closing when its database is
// dropped WITH (FORCE); the resulting "terminating connection" error must not
// crash the run, so every pool/client the bench creates gets a listener.
const ignore = () => {};

export function quietPool(options) {
  const pool = new pg.Pool(options);
  pool.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
  return pool;
}

export function quietClient(options) {
  const client = new pg.Client(options);
  client.on('error', ignore);
  return client;
}

// Error listener for a library's emitter; stays quiet about connections that
// DROP DATABASE ... WITH (FORCE) ends after a measurement (SQLSTATE 57P01).
export function reportErrors(prefix) {
  return (err) => {
    if (err?.code === '57P01' || /terminating connection due to administrator command/.test(err?.message)) return;
    console.error(`${prefix}: ${err?.message ?? err}`);
  };
}

export async function runSql(url, sql, params = []) {
  const client = quietClient({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

// One connection kept open, because the drain workloads poll it every few ms.
export async function sqlInspector(url, countSql) {
  const client = quietClient({ connectionString: url });
  await client.connect();
  return {
    async unfinished() {
      const { rows } = await client.query(countSql);
      return Number(rows[0].count);
    },
    close: () => client.end(),
  };
}

// Runs fn over items with at most `limit` calls in flight: how the reference
// loop and the batch handlers give "concurrency 10" to a claimed batch.
export async function mapWithConcurrency(items, limit, fn) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
