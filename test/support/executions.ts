import type { TestDatabase } from './test-database.js';

/** One handler run recorded by the worker-process fixture. */
export interface Execution {
  task_id: string;
  attempt: number;
  pid: number;
  started_at: Date;
  finished_at: Date | null;
}

export async function createExecutionsTable(db: TestDatabase): Promise<void> {
  await db.query(`
    CREATE TABLE IF NOT EXISTS public.executions (
      id bigserial PRIMARY KEY, task_id bigint NOT NULL, attempt integer NOT NULL, pid integer NOT NULL,
      started_at timestamptz NOT NULL DEFAULT clock_timestamp(), finished_at timestamptz, note text)`);
}

export function executions(db: TestDatabase): Promise<Execution[]> {
  return db.query<Execution & Record<string, unknown>>(
    `SELECT task_id::text, attempt, pid, started_at, finished_at FROM public.executions ORDER BY id`,
  );
}
