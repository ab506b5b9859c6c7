/**
 * The claim's plan must not depend on statistics: right after a burst of new
 * tasks, before autoanalyze has run, PostgreSQL knows nothing of the table.
 * The library's own prepared claim statements are executed enough times for
 * PostgreSQL to settle on its generic plan, on a table never analyzed that
 * holds 20,000 pending tasks of several queues (and delayed ones), and that
 * plan must walk a claim index in claim order: no sort, no sequential scan,
 * and no bitmap scan but the fetch of the chosen ids by primary key (on a
 * table never analyzed PostgreSQL fetches a set of ids that way; it reads
 * those rows only).
 */
import pg from 'pg';
import { queueTables } from '../lib/persistence/queue-tables.js';
import { claimTasksStatement, recordAndClaimStatement, type ClaimScope } from '../lib/persistence/sql/claim-tasks.sql.js';
import type { SqlStatement } from '../lib/persistence/sql-statement.js';
import { DEFAULT_MAX_CLAIM_BATCH } from '../lib/queued-tasks.constants.js';
import { useTestDatabase } from './support/suite.js';

const QUEUES = ['mail', 'reports', 'billing', 'default'];
const PENDING = 20_000;
const EXECUTIONS = 8;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The plan's scans of the tasks table and its sorts, as one line each. */
const BITMAP_OF_IDS = ['Bitmap Heap Scan', 'Bitmap Index Scan tasks_pkey'];

/** Lines that would mean reading rows the claim does not take: sorts, sequential scans, bitmaps over anything but chosen ids. */
function offending(plan: string[]): string[] {
  return plan.filter((line) => /Sort|Seq Scan/.test(line) || (/Bitmap/.test(line) && !BITMAP_OF_IDS.includes(line)));
}

function shape(plan: PlanNode): string[] {
  return nodes(plan)
    .filter((node) => node['Relation Name'] === 'tasks' || node['Node Type'].includes('Sort') || node['Node Type'].startsWith('Bitmap'))
    .map((node) => `${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : ''}`);
}

describe('claim plan on a table never analyzed', () => {
  const { db } = useTestDatabase();
  /** The file's assertion connection: its prepared statements and settings are this file's own. */
  let client: pg.Client;
  const tables = queueTables('queued_tasks');
  const worker = '00000000-0000-4000-8000-000000000001';

  beforeAll(async () => {
    client = db().client;
    // Keep autoanalyze away for the whole file (the embedded server runs autovacuum).
    await client.query(`ALTER TABLE queued_tasks.tasks SET (autovacuum_enabled = false)`);
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, queue, state, priority, run_at)
       SELECT 'job', ($1::text[])[1 + i % 4], 'pending', i % 3, now() - interval '1 minute' + i * interval '1 millisecond'
       FROM generate_series(1, $2::integer) i`,
      [QUEUES, PENDING],
    );
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, queue, state, priority, run_at)
       SELECT 'job', ($1::text[])[1 + i % 4], 'scheduled', 10, now() + interval '1 hour'
       FROM generate_series(1, 20000) i`,
      [QUEUES],
    );
  });

  async function assertNeverAnalyzed(): Promise<void> {
    const [row] = (
      await client.query<{ reltuples: number; analyzed: boolean }>(
        `SELECT c.reltuples, (s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL) AS analyzed
         FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
         WHERE c.oid = 'queued_tasks.tasks'::regclass`,
      )
    ).rows;
    expect(row).toEqual({ reltuples: -1, analyzed: false });
  }

  /** Executes `statement` as the library prepares it, then explains its next execution. */
  async function settledPlan(statement: SqlStatement, values: unknown[]): Promise<string[]> {
    await client.query('BEGIN');
    try {
      for (let i = 0; i < EXECUTIONS; i++) await client.query({ name: statement.name, text: statement.text, values });
      // EXPLAIN of a prepared statement uses the plan the cache would use now.
      const literal = values.map((value) => literalOf(value)).join(', ');
      const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `EXPLAIN (FORMAT JSON) EXECUTE ${statement.name}(${literal})`,
      );
      return shape(rows[0]!['QUERY PLAN'][0]!.Plan);
    } finally {
      // The claims ran for real; put the rows back so that every plan sees the same table.
      await client.query('ROLLBACK');
    }
  }

  /** An untyped literal: PostgreSQL coerces it to the parameter's type, as it does the driver's values. */
  function literalOf(value: unknown): string {
    if (Array.isArray(value)) return `'{${value.join(',')}}'`;
    return `'${String(value)}'`;
  }

  const expectedIndex: Record<Exclude<ClaimScope, 'byQueue'>, string> = { queue: 'tasks_claim_queue_idx', all: 'tasks_claim_all_idx' };

  for (const scope of ['queue', 'all'] as const) {
    it(`claims of scope "${scope}" walk ${expectedIndex[scope]} in order, with the generic plan`, async () => {
      await assertNeverAnalyzed();
      const values = scope === 'queue' ? [['job'], worker, DEFAULT_MAX_CLAIM_BATCH, 'reports'] : [['job'], worker, DEFAULT_MAX_CLAIM_BATCH];
      for (const mode of ['auto', 'force_generic_plan'] as const) {
        await client.query(`SET plan_cache_mode = ${mode}`);
        const plan = await settledPlan(claimTasksStatement(tables, scope), values);
        expect({ mode, plan }).toEqual({
          mode,
          plan: expect.arrayContaining([`Index Scan ${expectedIndex[scope]}`]) as string[],
        });
        expect(plan.filter((line) => /^Index Scan tasks_scheduled(_queue)?_idx$/.test(line))).toHaveLength(1);
        expect(offending(plan)).toEqual([]);
      }
      await client.query(`RESET plan_cache_mode`);
      await assertNeverAnalyzed();
    });
  }

  it('the claim without promotion walks the same index, with the generic plan', async () => {
    await client.query(`SET plan_cache_mode = force_generic_plan`);
    for (const scope of ['queue', 'all'] as const) {
      const values = scope === 'queue' ? [['job'], worker, DEFAULT_MAX_CLAIM_BATCH, 'reports'] : [['job'], worker, DEFAULT_MAX_CLAIM_BATCH];
      const plan = await settledPlan(claimTasksStatement(tables, scope, false), values);
      expect(plan).toEqual(expect.arrayContaining([`Index Scan ${expectedIndex[scope]}`]));
      expect(plan.filter((line) => /tasks_scheduled/.test(line))).toEqual([]);
      expect(offending(plan)).toEqual([]);
    }
    await client.query(`RESET plan_cache_mode`);
    await assertNeverAnalyzed();
  });

  it('the claim that carries completions plans the same', async () => {
    await client.query(`SET plan_cache_mode = force_generic_plan`);
    const statement = recordAndClaimStatement(tables, 'queue');
    const plan = await settledPlan(statement, [['job'], worker, DEFAULT_MAX_CLAIM_BATCH, [], '{}', tables.channel, [], '{}', 'billing']);
    expect(plan).toEqual(expect.arrayContaining(['Index Scan tasks_claim_queue_idx']));
    expect(plan.filter((line) => /^Index Scan tasks_scheduled(_queue)?_idx$/.test(line))).toHaveLength(1);
    // The completions it carries find their rows by id among this worker's
    // running ones (a bitmap of two small indexes); nothing else may read
    // rows it does not take. The log lines of completions (completed-lines.sql.ts)
    // count each task's stored lines and sort them, under a one-time filter
    // that skips that part whole when no completion carries lines.
    const allowed = ['BitmapAnd', 'Bitmap Index Scan tasks_running_worker_idx', 'Sort', 'Bitmap Index Scan task_logs_task_idx'];
    expect(offending(plan).filter((line) => !allowed.includes(line))).toEqual([]);
    await client.query(`RESET plan_cache_mode`);
  });
});

describe('claim cost whatever the delayed and other-queue backlog', () => {
  const { db } = useTestDatabase();

  it('claims one row of a queue behind 200,000 delayed and 100,000 due rows of another queue without reading them, even with stale statistics', async () => {
    const client = db().client;
    // Statistics from an earlier day, when four queues shared the table
    // evenly. With the index of every queue open to it, the planner then
    // walked that index, filtering the other queue's 100,000 rows.
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, queue, state, priority, run_at)
       SELECT 'job', ($1::text[])[1 + i % 4], 'pending', i % 3, now() - interval '1 minute' + i * interval '1 millisecond'
       FROM generate_series(1, 20000) i`,
      [['mail', 'reports', 'billing', 'default']],
    );
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, queue, state, priority, run_at)
       SELECT 'job', ($1::text[])[1 + i % 4], 'scheduled', 10, now() - interval '1 hour'
       FROM generate_series(1, 20000) i`,
      [['mail', 'reports', 'billing', 'default']],
    );
    await client.query(`ANALYZE queued_tasks.tasks`);
    // TRUNCATE keeps the statistics, not the rows (dead index entries are another matter).
    await client.query(`TRUNCATE queued_tasks.tasks`);
    // The shape of the reported defect: the delayed rows have the higher priority, the other queue's due rows come first.
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, queue, state, priority, run_at)
       SELECT 'job', 'mail', 'scheduled', 10, now() + interval '1 day' FROM generate_series(1, 200000)`,
    );
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, queue, state, priority, run_at)
       SELECT 'job', 'reports', 'pending', 5, now() - interval '1 hour' FROM generate_series(1, 100000)`,
    );
    await client.query(`INSERT INTO queued_tasks.tasks (name, queue, state, priority) VALUES ('job', 'mail', 'pending', 0)`);
    const statement = claimTasksStatement(queueTables('queued_tasks'), 'queue');
    await client.query('BEGIN');
    try {
      await client.query(`PREPARE defect_shape(text[], uuid, integer, text) AS ${statement.text}`);
      const { rows } = await client.query<{ 'QUERY PLAN': { Plan: AnalyzedNode }[] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE defect_shape('{job}', '00000000-0000-4000-8000-000000000002', 1, 'mail')`,
      );
      const all = analyzedNodes(rows[0]!['QUERY PLAN'][0]!.Plan);
      const claimScan = all.find((node) => node['Index Name'] === 'tasks_claim_queue_idx')!;
      expect({ rows: claimScan['Actual Rows'], removed: claimScan['Rows Removed by Filter'] ?? 0 }).toEqual({ rows: 1, removed: 0 });
      const promotion = all.find((node) => /^tasks_scheduled(_queue)?_idx$/.test(node['Index Name'] ?? ''))!;
      expect(promotion['Actual Rows']).toBe(0);
      // Pages read by the whole statement: a handful, not the thousands a walk past the backlog reads.
      const buffers = rows[0]!['QUERY PLAN'][0]!.Plan['Shared Hit Blocks'] + rows[0]!['QUERY PLAN'][0]!.Plan['Shared Read Blocks'];
      expect(buffers).toBeLessThan(50);
    } finally {
      await client.query('ROLLBACK');
    }
  });
});

interface AnalyzedNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: AnalyzedNode[];
}

function analyzedNodes(plan: AnalyzedNode): AnalyzedNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(analyzedNodes)];
}
