/**
 * The claim of every queue on an analyzed table whose statistics know one
 * queue only (the usual single-queue application, and the benchmark's W6:
 * 1,000,000 finished tasks and a backlog): the claim leaves out paused and
 * limited queues with a comparison of `queue` against a list PostgreSQL
 * cannot see at plan time. On the column itself, with one distinct value,
 * PostgreSQL estimated that comparison to match no row and planned a bitmap
 * scan and a sort of every pending row (200 ms a claim under 200,000
 * pending). The plan must walk tasks_claim_all_idx in order, with no sort.
 */
import { queueTables } from '../lib/persistence/queue-tables.js';
import { claimTasksStatement } from '../lib/persistence/sql/claim-tasks.sql.js';
import { DEFAULT_MAX_CLAIM_BATCH } from '../lib/queued-tasks.constants.js';
import { useTestDatabase } from './support/suite.js';

describe('claim plan on an analyzed table of one queue', () => {
  const { db } = useTestDatabase();

  it('walks tasks_claim_all_idx in order, for custom and generic plans alike', async () => {
    const client = db().client;
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, queue, args, state, run_at, finished_at)
       SELECT 'job', 'default', '[]', 'completed', now() - interval '1 day', now() - interval '1 day' FROM generate_series(1, 200000)`,
    );
    await client.query(`INSERT INTO queued_tasks.tasks (name, queue, args, state, run_at) SELECT 'job', 'default', '[]', 'pending', now() FROM generate_series(1, 50000)`);
    await client.query('ANALYZE queued_tasks.tasks');
    const statement = claimTasksStatement(queueTables('queued_tasks'), 'all', false);
    const values = [['job'], '00000000-0000-4000-8000-000000000001', DEFAULT_MAX_CLAIM_BATCH];
    for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
      await client.query(`SET plan_cache_mode = ${mode}`);
      await client.query('BEGIN');
      try {
        await client.query({ name: `${statement.name}_${mode}`, text: statement.text, values });
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN EXECUTE ${statement.name}_${mode}('{job}', '00000000-0000-4000-8000-000000000001', ${DEFAULT_MAX_CLAIM_BATCH})`,
        );
        const plan = rows.map((row) => row['QUERY PLAN']);
        expect({ mode, offending: plan.filter((line) => /Sort|Seq Scan on tasks|Bitmap Heap Scan on tasks  \(/.test(line) && !/tasks_pkey/.test(line)) }).toEqual({ mode, offending: [] });
        expect(plan.some((line) => line.includes('Index Scan using tasks_claim_all_idx'))).toBe(true);
      } finally {
        await client.query('ROLLBACK');
      }
    }
  }, 60_000);
});
