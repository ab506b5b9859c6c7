import type { ClaimedTaskRow, TaskRow } from './sql/task-row.js';

export interface WorkerRegistration {
  id: string;
  hostname: string;
  pid: number;
  queues: string[] | null;
  concurrency: number;
  leaseMs: number;
}

/** What one rescue pass did. */
export interface RescueOutcome {
  /** Tasks taken back from dead workers (pending again, or failed). */
  rescued: number;
  /** Of those, tasks that ended failed (last attempt, or poison). */
  failed: number;
  /** Ids of rescued tasks, the first 20 by id. */
  rescuedIds: string[];
  /** Ids of those that ended failed, the first 20 by id. */
  failedIds: string[];
  /** Dead workers removed from the registry. */
  deadWorkers: number;
  /** Shortest `lease_ms` among registered workers, or null when none is registered. */
  shortestLeaseMs: number | null;
}

/** What one claim statement did. */
export interface ClaimResult {
  /** Tasks claimed, now running under the worker. */
  rows: ClaimedTaskRow[];
  /** Scheduled tasks it promoted to pending: claimable by the next statement, not by this one. */
  promoted: number;
}

export type TaskOutcomeRow = Pick<TaskRow, 'id' | 'name' | 'state' | 'result' | 'errors'>;
