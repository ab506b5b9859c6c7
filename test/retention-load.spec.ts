/**
 * Retention under load (issue 10): while a worker drains a few thousand
 * tasks, the maintenance leader (the same process) deletes 100,000 old
 * finished tasks. The drain completes, and no statement ever waits on a
 * lock the retention statement holds, shown two ways:
 * - every statement of the worker's pool (claims, completions) runs with a
 *   `lock_timeout` of 200 ms, so a claim that waited longer would fail and
 *   be logged: nothing is logged at `warn` or `error`;
 * - a side connection samples `pg_blocking_pids` every few milliseconds
 *   throughout: no backend waiting on a lock is ever blocked by a backend
 *   running the retention statement, while samples do see that statement
 *   running before the drain is over.
 */
import { Injectable } from '@nestjs/common';
import { QUEUED_TASKS_DATA_SOURCE, QueuedTask, TaskQueue } from '../lib/index.js';
import type { DataSource } from 'typeorm';
import { NoStackLogger } from './support/no-stack-logger.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';

const OLD_TASKS = 100_000;
const DRAINED = 5_000;
/** The start of the retention statement (prune-finished.sql.ts), within what pg_stat_activity keeps of a query (1 kB by default). */
const RETENTION_MARKER = '%WITH scanned AS MATERIALIZED%';

@Injectable()
class Load {
  @QueuedTask({ name: 'retention.load' })
  async run(n: number): Promise<number> {
    return n;
  }
}

/** Keeps the warnings and errors the queue logs. */
class WarningsKept extends NoStackLogger {
  readonly lines: string[] = [];
  constructor() {
    super(['error', 'warn']);
  }
  override warn(message: unknown, ...rest: unknown[]): void {
    this.lines.push(String(message));
    super.warn(message, ...rest);
  }
  override error(message: unknown, ...rest: unknown[]): void {
    this.lines.push(String(message));
    super.error(message, ...rest);
  }
}

interface Sample {
  at: number;
  pruning: number;
  blockedByRetention: { waiter: string; blocker: string }[] | null;
  waiting: number;
}

describe('retention under load', () => {
  const { db, track } = useTestDatabase();

  it('deletes 100,000 old tasks while a worker drains, and no claim waits on it', async () => {
    const d = db();
    await d.query(
      `INSERT INTO queued_tasks.tasks (name, state, created_at, finished_at, args, result)
       SELECT 'retention.old', 'completed', now() - interval '3 hours', now() - interval '2 hours', '[1]', '"done"'
       FROM generate_series(1, ${OLD_TASKS})`,
    );
    await d.query(
      `INSERT INTO queued_tasks.task_logs (task_id, attempt, level, message, logged_at)
       SELECT id, 1, 'info', 'old line', now() FROM queued_tasks.tasks WHERE name = 'retention.old' AND id % 5 = 0`,
    );
    await d.query(`ANALYZE queued_tasks.tasks`);

    // Enqueued by a process without retention, closed before the worker starts.
    const producer = track(await startTestApp({ url: d.url, providers: [Load], worker: { enabled: false } }));
    for (let offset = 0; offset < DRAINED; offset += 1_000) {
      await producer.get(TaskQueue).addMany(Array.from({ length: 1_000 }, (_, i) => ({ target: Load, method: 'run', args: [offset + i] })));
    }
    await producer.close();

    const samples: Sample[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [row] = await d.query<Omit<Sample, 'at'>>(
          `SELECT
             (SELECT count(*)::int FROM pg_stat_activity a
              WHERE a.datname = current_database() AND a.state = 'active' AND a.query LIKE $1) AS pruning,
             (SELECT count(*)::int FROM pg_stat_activity w
              WHERE w.datname = current_database() AND w.wait_event_type = 'Lock') AS waiting,
             (SELECT json_agg(json_build_object('waiter', w.query, 'blocker', b.query))
              FROM pg_stat_activity w JOIN pg_stat_activity b ON b.pid = ANY (pg_blocking_pids(w.pid))
              WHERE w.datname = current_database() AND b.query LIKE $1) AS "blockedByRetention"`,
          [RETENTION_MARKER],
        );
        samples.push({ at: Date.now(), ...row! });
        await sleep(5);
      }
    })();

    const logger = new WarningsKept();
    const lockTimeoutUrl = `${d.url}${d.url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c lock_timeout=200')}`;
    const started = Date.now();
    const worker = track(
      await startTestApp({
        url: lockTimeoutUrl,
        providers: [Load],
        logger,
        worker: { concurrency: 10, rescueIntervalMs: 100 },
        retention: { completed: '1h', intervalMs: 100 },
      }),
    );
    try {
      const [setting] = await worker.get<DataSource>(QUEUED_TASKS_DATA_SOURCE).query(`SHOW lock_timeout`);
      expect(setting).toEqual({ lock_timeout: '200ms' });
      const count = async (name: string, state?: string) => {
        const [row] = await d.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM queued_tasks.tasks WHERE name = $1 AND ($2::text IS NULL OR state = $2)`,
          [name, state ?? null],
        );
        return row!.n;
      };
      await waitFor(async () => (await count('retention.load', 'completed')) === DRAINED, 120_000, 'the drain');
      const drainedAt = Date.now();
      await waitFor(async () => (await count('retention.old')) === 0, 120_000, 'retention to delete the old tasks');
      sampling = false;
      await sampler;

      const [lines] = await d.query<{ n: number }>(`SELECT count(*)::int AS n FROM queued_tasks.task_logs`);
      expect(lines!.n).toBe(0);
      expect(logger.lines).toEqual([]);
      expect(samples.flatMap((sample) => sample.blockedByRetention ?? [])).toEqual([]);
      // The two overlapped: the retention statement was seen running before the drain was over.
      const pruningSeen = samples.filter((sample) => sample.pruning > 0);
      expect(pruningSeen.length).toBeGreaterThan(0);
      expect(pruningSeen[0]!.at).toBeLessThan(drainedAt);
      // For the record, when run by hand: how long each took, and how many samples saw a wait of any kind.
      if (process.env.RETENTION_LOAD_VERBOSE) {
        console.log(
          `drain ${drainedAt - started} ms, retention done ${Date.now() - started} ms, ${samples.length} samples, ` +
            `${pruningSeen.length} saw retention running, ${samples.filter((s) => s.waiting > 0).length} saw a lock wait`,
        );
      }
    } finally {
      sampling = false;
      await sampler;
      await worker.close();
    }
  });
});
