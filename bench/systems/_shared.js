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

export async function runSql(url, sql, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

// One connection kept open, because the drain workloads poll it every few ms.
export async function sqlInspector(url, countSql) {
  const client = new pg.Client({ connectionString: url });
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
