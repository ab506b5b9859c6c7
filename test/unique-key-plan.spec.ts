/**
 * The statements of keyed adds find a key's holder through
 * `tasks_unique_key_idx` and touch rows only by primary key, with their
 * generic plan, on a table never analyzed that holds 40,000 keyed tasks
 * (half finished) and 20,000 without a key: a keyed add costs the same
 * whatever the history of its keys.
 */
import pg from 'pg';
import { queueTables } from '../lib/persistence/queue-tables.js';
import { debounceTaskStatement } from '../lib/persistence/sql/debounce-task.sql.js';
import { insertKeyedTaskStatement } from '../lib/persistence/sql/insert-keyed-task.sql.js';
import { insertTaskValues } from '../lib/persistence/sql/insert-tasks.sql.js';
import { releaseTaskKeyStatement } from '../lib/persistence/sql/release-task-key.sql.js';
import type { SqlStatement } from '../lib/persistence/sql-statement.js';
import { useTestDatabase } from './support/suite.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function scans(plan: PlanNode): string[] {
  const all = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(all)];
  return all(plan)
    .filter((node) => (node['Relation Name'] === 'tasks' && node['Node Type'] !== 'ModifyTable') || /Sort|Seq Scan|Bitmap/.test(node['Node Type']))
    .map((node) => `${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : ''}`);
}

/** A literal PostgreSQL coerces to the parameter's type, as it does the driver's values. */
function literalOf(value: unknown): string {
  return value === null ? 'NULL' : `'${String(value).replace(/'/g, "''")}'`;
}

describe('plans of keyed adds on a table never analyzed', () => {
  const { db } = useTestDatabase();
  let client: pg.Client;
  const tables = queueTables('queued_tasks');

  beforeAll(async () => {
    client = db().client;
    await client.query(`ALTER TABLE queued_tasks.tasks SET (autovacuum_enabled = false)`);
    await client.query(
      `INSERT INTO queued_tasks.tasks (name, state, unique_kind, unique_key, unique_until)
       SELECT 'job', CASE WHEN i % 2 = 0 THEN 'completed' ELSE 'pending' END,
         (ARRAY['unique', 'debounce', 'throttle'])[1 + i % 3], 'key-' || i,
         CASE WHEN i % 3 = 2 THEN now() + interval '1 hour' END
       FROM generate_series(1, 40000) i`,
    );
    await client.query(`INSERT INTO queued_tasks.tasks (name, state) SELECT 'job', 'pending' FROM generate_series(1, 20000)`);
  });

  /** Runs `statement` as the library prepares it (rolled back), then explains its generic plan. */
  async function genericPlan(statement: SqlStatement, values: unknown[]): Promise<string[]> {
    await client.query(`SET plan_cache_mode = force_generic_plan`);
    await client.query('BEGIN');
    try {
      await client.query({ name: statement.name, text: statement.text, values });
      const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `EXPLAIN (FORMAT JSON) EXECUTE ${statement.name}(${values.map(literalOf).join(', ')})`,
      );
      return scans(rows[0]!['QUERY PLAN'][0]!.Plan);
    } finally {
      await client.query('ROLLBACK');
      await client.query(`RESET plan_cache_mode`);
    }
  }

  // The task's parameters as insert-tasks.sql.ts builds them (whatever their number), then the statement's own.
  const task = insertTaskValues({ name: 'job', queue: 'default', args: '[]', priority: 0, runAt: null, delayMs: 0, maxAttempts: 3, backoff: null, timeoutMs: null });

  it('the unique and throttle insert reads the holder through the key index', async () => {
    const plan = await genericPlan(insertKeyedTaskStatement(tables), [...task, 'unique', 'key-3', null]);
    expect(plan).toEqual(['Index Scan tasks_unique_key_idx']);
  });

  it('the debounce reads the holder through the key index and updates it by primary key', async () => {
    const plan = await genericPlan(debounceTaskStatement(tables), [...task, 'key-4']);
    expect(plan).toEqual(['Index Scan tasks_unique_key_idx', 'Index Scan tasks_pkey']);
  });

  it('the release updates one row by primary key', async () => {
    const plan = await genericPlan(releaseTaskKeyStatement(tables), ['7']);
    expect(plan).toEqual(['Index Scan tasks_pkey']);
  });

  it('the table was never analyzed', async () => {
    const [row] = (
      await client.query<{ reltuples: number }>(`SELECT reltuples FROM pg_class WHERE oid = 'queued_tasks.tasks'::regclass`)
    ).rows;
    expect(row!.reltuples).toBe(-1);
  });
});
