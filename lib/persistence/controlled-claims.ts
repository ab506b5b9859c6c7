import { recordValues, type AttemptRecords } from './attempt-records.js';
import type { QueueDatabase } from './queue-database.js';
import type { ClaimedTaskRow } from './sql/task-row.js';
import type { TaskStatements } from './task-statements.js';

/** What a controlled claim found, besides its rows. */
export interface ControlledClaimResult {
  rows: ClaimedTaskRow[];
  promoted: number;
  /** The queue is still paused or limited; false: it went back to plain claims. */
  controlled: boolean;
  paused: boolean;
  /** Another claim of the queue committed since this one's snapshot: it claimed nothing, send it again. */
  retry: boolean;
  /** Due rows were left behind by a limit (not drained). */
  waiting: boolean;
  /** For a rate-limited queue: when its oldest claim in the window leaves it (epoch ms), or null. */
  rateFreeAtMs: number | null;
}

type Row = ClaimedTaskRow & { promoted: string; controlled: boolean; paused: boolean; retry: boolean; waiting: boolean; rate_free_at_ms: number | null };

/**
 * Claims of paused and limited queues (see claim-controlled.sql.ts): one
 * statement that records the completions and start markers the worker
 * queued (so the slots they free count as free) and claims, in one commit.
 */
export class ControlledClaims {
  constructor(
    private readonly db: QueueDatabase,
    private readonly statements: TaskStatements,
    private readonly channel: string,
  ) {}

  async claim(workerId: string, names: readonly string[], limit: number, queue: string, records: AttemptRecords, promote: boolean): Promise<ControlledClaimResult> {
    const [ids, outcomes, , channel, startedIds, markers] = recordValues(workerId, records, this.channel);
    const statement = promote ? this.statements.claimControlled : this.statements.claimControlledNoPromote;
    const rows = await this.db.query<Row>(statement, [names, workerId, limit, ids, outcomes, channel, startedIds, markers, queue], undefined, true);
    const status = rows[0]!;
    return {
      rows: rows.filter((row) => row.id !== null),
      promoted: Number(status.promoted ?? 0),
      controlled: status.controlled,
      paused: status.paused,
      retry: status.retry,
      waiting: status.waiting,
      rateFreeAtMs: status.rate_free_at_ms,
    };
  }
}
