import { Logger } from '@nestjs/common';
import type { ClaimedTaskRow } from '../persistence/sql/task-row.js';
import type { TaskStore } from '../persistence/task-store.js';
import type { ControlledClaimResult } from '../persistence/controlled-claims.js';
import { isTransientDatabaseError } from '../persistence/translate-database-error.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import { byClaimOrder } from './claim-order.js';
import type { NextRunTimer } from './next-run-timer.js';
import type { PrefetchSizer } from './prefetch-sizer.js';

/**
 * Claim statements a worker keeps in flight at once. While one claim's rows
 * are being written and returned by one PostgreSQL backend, a second one on
 * another connection uses the other core; SKIP LOCKED keeps their rows apart.
 */
const MAX_CLAIMS_IN_FLIGHT = 2;

/** What the claim lanes need of their producer. */
export interface ClaimLaneHost {
  /** Still taking work (not shutting down). */
  accepting(): boolean;
  /** Claiming is allowed now: accepting, and no reconciliation due. */
  mayClaim(): boolean;
  /** The live incarnation's id, or null while fenced. */
  workerId(): string | null;
  /** How many rows to claim now, given those asked for by claims in flight (0: none). */
  claimSize(rowsInFlight: number): number;
  startBuffered(): void;
  /** Rows claimed under `workerId`, in claim order. @returns false when the worker could not take them (it hands them back). */
  take(rows: ClaimedTaskRow[], workerId: string, byControlledClaim: boolean): Promise<boolean>;
  /** A claim failed: it may have committed with its reply lost. */
  failed(): void;
  /** A claim lane started. */
  claiming(): void;
  /** No claim is in flight any more. */
  idle(): void;
  /** The producer's queue is paused or limited: claim through the controlled claim. */
  controlled(): boolean;
  /** A producer of every queue while some queue is paused or limited: claim queue by queue (claim-tasks.sql.ts byQueueCandidates). */
  aroundControlled(): boolean;
  /** What a controlled claim found out about its queue (paused, limited, back to plain claims). */
  controlledStatus(status: ControlledClaimResult): void;
}

/**
 * A producer's claiming: up to two claim statements in flight, each carrying
 * the completions and start markers queued meanwhile, each asking for what
 * the producer says it lacks.
 *
 * It claims when woken; when a claim returns fewer tasks than asked and
 * promoted no scheduled task, the queue is drained and the lanes stay idle
 * until the next wake-up.
 */
export class ClaimLanes {
  private readonly logger = new Logger('QueuedTasks');
  private readonly lanes = new Set<Promise<void>>();
  /** Rows asked for by claims in flight: they count as buffered. */
  private rowsInFlight = 0;
  private drained = false;
  private wakeGeneration = 0;
  private lastError = 0;

  constructor(
    private readonly store: TaskStore,
    private readonly recorder: AttemptRecorder,
    private readonly prefetch: PrefetchSizer,
    private readonly timer: NextRunTimer,
    private readonly scope: { names: () => string[]; queue: string | null; pollIntervalMs: number },
    private readonly host: ClaimLaneHost,
  ) {}

  get inFlight(): number {
    return this.lanes.size;
  }

  /** The last claim found less than it asked for, and nothing woke the lanes since. */
  get isDrained(): boolean {
    return this.drained;
  }

  /** Settles when the claims in flight have. */
  async settled(): Promise<void> {
    await Promise.all([...this.lanes]);
  }

  /** Something may be claimable now. */
  wake(): void {
    this.wakeGeneration++;
    this.drained = false;
    this.fill();
  }

  /**
   * Starts a claim lane when one is free; each lane claims while claims are
   * needed. `startFirst`: fill free slots from buffered rows before sizing the
   * claim (false when the claim is meant for a slot free now).
   */
  fill(startFirst = true): void {
    // A controlled queue's claims wait on each other's lock: one lane, whose
    // next claim carries everything that ended meanwhile, serves it best.
    if (!this.host.mayClaim() || this.lanes.size >= (this.host.controlled() ? 1 : MAX_CLAIMS_IN_FLIGHT)) return;
    if (startFirst) this.host.startBuffered();
    if (this.claimSize() === 0) return;
    const lane: Promise<void> = this.claimWhileNeeded()
      .catch((error: unknown) => this.logger.error(`Claim loop failed: ${(error as Error).message}`))
      .finally(() => {
        this.lanes.delete(lane);
        if (this.lanes.size === 0) this.host.idle();
      });
    this.lanes.add(lane);
    this.host.claiming();
    // A second lane, if the first leaves enough to claim.
    this.fill();
  }

  /** How many tasks to claim now, or 0: nothing while drained or fenced. */
  private claimSize(): number {
    if (this.drained || this.host.workerId() === null) return 0;
    return this.host.claimSize(this.rowsInFlight);
  }

  private async claimWhileNeeded(): Promise<void> {
    while (this.host.mayClaim()) {
      this.host.startBuffered();
      const limit = this.claimSize();
      const workerId = this.host.workerId();
      if (limit === 0 || workerId === null) return;
      const generation = this.wakeGeneration;
      if (this.host.controlled()) await this.recorder.writesSettled();
      let rows: ClaimedTaskRow[];
      let promoted: number;
      let status: ControlledClaimResult | null = null;
      const records = this.recorder.takeForClaim(workerId);
      this.rowsInFlight += limit;
      try {
        const started = performance.now();
        const promote = this.timer.mayHaveDue();
        if (this.host.controlled() && this.scope.queue !== null) {
          const result = await this.store.controlled.claim(workerId, this.scope.names(), limit, this.scope.queue, records, promote);
          ({ rows, promoted } = result);
          status = result;
        } else {
          ({ rows, promoted } = await this.store.claim(workerId, this.scope.names(), limit, this.scope.queue, records, promote, this.host.aroundControlled()));
        }
        this.prefetch.recordClaim(performance.now() - started);
        this.prefetch.recordClaimFill(limit, rows.length);
        this.recorder.carried(records);
      } catch (error) {
        this.recorder.requeue(records, error);
        this.timer.forget();
        // At shutdown the worker cancels claims still in flight itself: not a failure to report.
        if (this.host.accepting()) this.reportError(error as Error);
        this.host.failed();
        // A statement refused for the records it carried: they are written on
        // their own now, so claim again at once.
        const carried = records.completed.length + records.started.length > 0;
        if (carried && !isTransientDatabaseError(error)) continue;
        // Polling retries; spinning on a database that is down would not help.
        this.drained = true;
        return;
      } finally {
        this.rowsInFlight -= limit;
      }
      // RETURNING does not keep the claim's order; start the highest priority first.
      rows.sort(byClaimOrder);
      if (!(await this.host.take(rows, workerId, status !== null))) return;
      if (status !== null) {
        // The rows just taken start now; let any that end at once end before
        // the next claim, so that it carries their outcomes and asks for their
        // slots too (a claim of a limited queue asks only for free slots).
        await new Promise((resolve) => setImmediate(resolve));
        this.host.controlledStatus(status);
        // Another claim of the queue came first: this one took nothing; again, with a snapshot that sees it.
        if (status.retry) {
          this.wakeGeneration++;
          this.drained = false;
          continue;
        }
      }
      if (rows.length > 0) this.timer.resetBackoff();
      // Rows it promoted are claimable by the next statement: claim again at
      // once, and undo a "drained" another lane concluded meanwhile (its claim
      // skipped the rows this one was promoting).
      if (promoted > 0) {
        this.wakeGeneration++;
        this.drained = false;
      } else if (rows.length < limit && generation === this.wakeGeneration) {
        this.drained = true;
        // While the timer knows when the next scheduled task is due (and is
        // armed for it), asking again would cost a statement per drain for
        // nothing: an idle worker woken per task would run three statements
        // for each instead of two.
        if (this.timer.mayHaveDue()) void this.timer.armFromDatabase(() => this.host.accepting());
      }
    }
  }

  private reportError(error: Error): void {
    // One line per polling interval at most while the database is away.
    if (Date.now() - this.lastError < this.scope.pollIntervalMs) return;
    this.lastError = Date.now();
    this.logger.warn(`Claiming tasks failed: ${error.message}`);
  }
}
