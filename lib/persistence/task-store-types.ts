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
  /** Every rescued task, with its new state and the last entry of its history (for its events). */
  tasks: RescuedTask[];
}

/** The row the rescue statement answers (rescue-orphaned-tasks.sql.ts); none when it found nothing to do. */
export interface RescueRow {
  rescued: string;
  failed: string;
  dead_workers: string;
  shortest_lease_ms: number | null;
  rescued_ids: string[];
  failed_ids: string[];
  tasks: RescuedTask[];
}

export function toRescueOutcome(row: RescueRow | undefined): RescueOutcome {
  return {
    rescued: Number(row?.rescued ?? 0),
    failed: Number(row?.failed ?? 0),
    rescuedIds: row?.rescued_ids ?? [],
    failedIds: row?.failed_ids ?? [],
    deadWorkers: Number(row?.dead_workers ?? 0),
    shortestLeaseMs: row?.shortest_lease_ms ?? null,
    tasks: row?.tasks ?? [],
  };
}

/** A task a rescue took back. */
export interface RescuedTask {
  id: string;
  name: string;
  queue: string;
  state: 'pending' | 'failed' | 'cancelled';
  attempt: number;
  maxAttempts: number;
  /** The last entry of its history (WorkerLostError, TaskPoisonedError), null when it had none. */
  error: { name: string; message: string } | null;
}

/** What one claim statement did. */
export interface ClaimResult {
  /** Tasks claimed, now running under the worker. */
  rows: ClaimedTaskRow[];
  /** Scheduled tasks it promoted to pending: claimable by the next statement, not by this one. */
  promoted: number;
}

export type TaskOutcomeRow = Pick<TaskRow, 'id' | 'name' | 'state' | 'result' | 'errors'>;

/** A task the cancel statement ended `cancelled`. */
export interface CancelledTask {
  id: string;
  name: string;
  queue: string;
}

/** What the cancel statement says of one id (name and queue null for an unknown id). */
export interface CancelledRow {
  id: string;
  outcome: 'cancelled' | 'requested' | 'finished' | null;
  name: string | null;
  queue: string | null;
}
