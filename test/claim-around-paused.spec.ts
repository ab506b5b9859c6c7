/**
 * A paused queue's backlog ahead of another queue's tasks: the claim of every
 * queue walked tasks_claim_all_idx in claim order and stepped over every
 * paused row, on each claim (400,000 paused tasks slowed the drain of another
 * queue to 0.2x in a probe on PostgreSQL 15). While a process knows of a
 * paused or limited queue, its claim of every queue goes queue by queue
 * (claim-tasks.sql.ts `byQueueCandidates`): its cost no longer depends on the
 * paused backlog. Counted in buffers, not timed.
 */
import pg from 'pg';
import { queueTables } from '../lib/persistence/queue-tables.js';
import { claimTasksStatement, type ClaimScope } from '../lib/persistence/sql/claim-tasks.sql.js';
import { useTestDatabase } from './support/suite.js';

const WORKER = '00000000-0000-4000-8000-000000000001';
const PAUSED_BACKLOG = 60_000;

describe('claim of every queue beside a paused backlog', () => {
  const { db } = useTestDatabase();

  it('claims the other queues\' tasks reading a few buffers, whatever the paused backlog', async () => {
    const client = db().client;
    // The paused queue's rows first (older, so ahead in claim order), then 100 of another queue.
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, queue, args, state, run_at) SELECT 'job', 'held', '[]', 'pending', now() - interval '1 hour' FROM generate_series(1, ${PAUSED_BACKLOG})`,
    );
    await client.query(`INSERT INTO queued_tasks.tasks (name, queue, args, state, run_at) SELECT 'job', 'default', '[]', 'pending', now() FROM generate_series(1, 100)`);
    await client.query(`INSERT INTO queued_tasks.queues (name, paused) VALUES ('held', true)`);
    const tables = queueTables('queued_tasks');

    const claim = async (scope: Exclude<ClaimScope, 'queue'>) => {
      const statement = claimTasksStatement(tables, scope, false);
      await client.query('BEGIN');
      try {
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`, [['job'], WORKER, 5]);
        const plan = (rows[0]!['QUERY PLAN'] as unknown as [{ Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }])[0].Plan;
        const { rows: claimed } = await client.query<{ queue: string; n: number }>(
          `SELECT queue, count(*)::int AS n FROM queued_tasks.tasks WHERE state = 'running' GROUP BY queue`,
        );
        return { buffers: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'], claimed };
      } finally {
        await client.query('ROLLBACK');
      }
    };

    const byQueue = await claim('byQueue');
    const walk = await claim('all');
    // Both take 5 tasks of the open queue, none of the paused one.
    expect(byQueue.claimed).toEqual([{ queue: 'default', n: 5 }]);
    expect(walk.claimed).toEqual([{ queue: 'default', n: 5 }]);
    // The walk reads past the paused backlog (over a thousand index pages); queue by queue, a few
    // dozen, most of them the five rows' updates.
    expect({ byQueue: byQueue.buffers, walkReadsMore: walk.buffers > 10 * byQueue.buffers }).toEqual({ byQueue: expect.any(Number), walkReadsMore: true });
    expect(byQueue.buffers).toBeLessThan(150);
  }, 60_000);

  it('takes the best rows across the open queues, by priority, then run time, then id', async () => {
    const client = db().client;
    await client.query(`DELETE FROM queued_tasks.tasks`);
    await client.query(`INSERT INTO queued_tasks.queues (name, paused) VALUES ('held', true) ON CONFLICT (name) DO UPDATE SET paused = true`);
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, queue, args, priority, state, run_at) VALUES
         ('job', 'held', '["h"]', 100, 'pending', now() - interval '3 hours'),
         ('job', 'a', '["a-old"]', 0, 'pending', now() - interval '2 hours'),
         ('job', 'a', '["a-new"]', 0, 'pending', now() - interval '1 minute'),
         ('job', 'b', '["b-urgent"]', 9, 'pending', now()),
         ('job', 'c', '["c-older"]', 0, 'pending', now() - interval '1 hour')`,
    );
    const statement = claimTasksStatement(queueTables('queued_tasks'), 'byQueue', false);
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<{ args: string[] }>(statement.text, [['job'], WORKER, 3]);
      expect(rows.map((row) => row.args[0]).sort()).toEqual(['a-old', 'b-urgent', 'c-older']);
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it('locks only the rows it takes, however many queues have a backlog', async () => {
    const client = db().client;
    await client.query(`DELETE FROM queued_tasks.tasks`);
    await client.query(`INSERT INTO queued_tasks.queues (name, paused) VALUES ('held', true) ON CONFLICT (name) DO UPDATE SET paused = true`);
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, queue, args, state, run_at)
       SELECT 'job', 'q' || (i % 20), '[]', 'pending', now() - i * interval '1 second' FROM generate_series(1, 2000) i`,
    );
    const other = new pg.Client({ connectionString: db().url });
    await other.connect();
    const statement = claimTasksStatement(queueTables('queued_tasks'), 'byQueue', false);
    await client.query('BEGIN');
    try {
      expect((await client.query(statement.text, [['job'], WORKER, 5])).rows).toHaveLength(5);
      // Another session can still lock every pending row but the five taken.
      await other.query('BEGIN');
      const { rows } = await other.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT id FROM queued_tasks.tasks WHERE state = 'pending' FOR UPDATE SKIP LOCKED) free`,
      );
      expect(rows[0]!.n).toBe(1_995);
      await other.query('ROLLBACK');
    } finally {
      await client.query('ROLLBACK');
      await other.end();
    }
  });
});
