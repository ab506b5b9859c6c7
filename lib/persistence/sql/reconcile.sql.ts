import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';

/**
 * The attempts the database says worker $1 is running, through
 * `tasks_running_worker_idx`. A worker compares them with what it really
 * runs: a claim whose reply was lost after its commit leaves rows here that
 * the worker never saw, and it hands them back (see release-tasks.sql.ts).
 */
export function runningUnderWorkerStatement(t: QueueTables): SqlStatement {
  return prepared(`SELECT id::text AS id, attempts FROM ${t.tasks} WHERE state = 'running' AND worker_id = $1`);
}
