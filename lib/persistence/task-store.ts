import { Injectable } from '@nestjs/common';
import type { BackoffOptions } from '../interfaces/backoff.interface.js';
import { QueueDatabase } from './queue-database.js';
import type { ParentTaskInfo } from '../interfaces/task-info.interface.js';
import { writeKeyedTask, writeTasksInOrder, type WrittenTask } from './keyed-task-writer.js';
import { TransactionWrites } from './transaction-writes.js';
import { ControlledClaims } from './controlled-claims.js';
import type { TaskKey } from './sql/task-key.sql.js';
import { ControlConnection } from './control-connection.js';
import { markersOf, outcomesOf, recordValues, type AttemptRecords, type FailedAttempt, type SnoozedAttempt } from './attempt-records.js';
import { insertTaskValues, insertTasksValues, type NewTaskRow } from './sql/insert-tasks.sql.js';
import { RELEASE_MAINTENANCE_LOCK, TRY_MAINTENANCE_LOCK } from './sql/maintenance-lock.sql.js';
import type { ClaimedTaskRow, TaskRow } from './sql/task-row.js';
import { taskStatements, type TaskStatements } from './task-statements.js';
import { toRescueOutcome, type CancelledRow, type CancelledTask, type ClaimResult, type RescueOutcome, type RescueRow, type TaskOutcomeRow, type WorkerRegistration } from './task-store-types.js';

export type { ClaimResult, RescueOutcome, TaskOutcomeRow, WorkerRegistration } from './task-store-types.js';

/** SQLSTATEs of a transaction PostgreSQL aborted to break a deadlock or a serialization conflict: nothing of it was written. */
const DEADLOCK = '40P01';
const SERIALIZATION_FAILURE = '40001';
/** Sends of a keyed batch's transaction, at most. */
const TRANSACTION_ATTEMPTS = 3;

/**
 * Every statement the queue runs, bound to one schema. The SQL itself, with
 * the reasoning behind each statement, lives in `./sql/`.
 */
@Injectable()
export class TaskStore {
  private readonly statements: TaskStatements;
  /** Writes on a transaction the caller chooses: the queue's own, or the application's. */
  readonly writes: TransactionWrites;
  /** Claims of paused and limited queues. */
  readonly controlled: ControlledClaims;

  constructor(
    private readonly db: QueueDatabase,
    private readonly control: ControlConnection,
  ) {
    this.statements = taskStatements(db.tables);
    this.writes = new TransactionWrites(db, this.statements, db.tables.channel);
    this.controlled = new ControlledClaims(db, this.statements, db.tables.channel);
  }

  get channel(): string {
    return this.db.tables.channel;
  }

  /** With `notify`, the insert's own transaction also wakes the workers. */
  async insertTask(task: NewTaskRow, notify: boolean): Promise<{ id: string; run_at: Date }> {
    const [row] = notify
      ? await this.db.query<{ id: string; run_at: Date }>(this.statements.insertTaskNotifying, [...insertTaskValues(task), this.channel])
      : await this.db.query<{ id: string; run_at: Date }>(this.statements.insertTask, insertTaskValues(task));
    return row!;
  }

  /** Many tasks in one statement; with `wakeupPayload`, its own transaction also sends that wake-up. */
  insertTasks(tasks: readonly NewTaskRow[], wakeupPayload?: string): Promise<{ id: string; run_at: Date }[]> {
    if (wakeupPayload === undefined) return this.db.query(this.statements.insertTasks, insertTasksValues(tasks));
    return this.db.query(this.statements.insertTasksNotifying, [...insertTasksValues(tasks), this.channel, wakeupPayload]);
  }

  /** A task with a unique, debounce or throttle key: written, or the task holding that key found (see keyed-task-writer.ts). */
  insertKeyedTask(task: NewTaskRow & { key: TaskKey }): Promise<WrittenTask> {
    return writeKeyedTask((statement, values) => this.db.query(statement, values), this.statements, task);
  }

  /**
   * Tasks some of which have keys, in one transaction (see writeTasksInOrder).
   * Two such batches taking the same keys in opposite orders can deadlock;
   * PostgreSQL then aborts one, which is sent again, since nothing of it was
   * written.
   */
  async insertTasksWithKeys(tasks: readonly NewTaskRow[]): Promise<WrittenTask[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction((query) => writeTasksInOrder(query, this.statements, tasks));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt === TRANSACTION_ATTEMPTS || (code !== DEADLOCK && code !== SERIALIZATION_FAILURE)) throw error;
      }
    }
  }

  /**
   * Claims up to `limit` due tasks of `queue` (null: every queue) for worker
   * incarnation `workerId`, and, with `promote`, promotes that scope's due
   * scheduled tasks; with `records` (of the same incarnation), records those
   * completions and starts in the same statement.
   */
  async claim(
    workerId: string,
    names: readonly string[],
    limit: number,
    queue: string | null,
    records: AttemptRecords = { completed: [], started: [] },
    promote = true,
    aroundControlled = false,
  ): Promise<ClaimResult> {
    type Row = ClaimedTaskRow & { promoted: string };
    const recording = records.completed.length > 0 || records.started.length > 0;
    const scope = queue !== null ? 'Queue' : aroundControlled ? 'ByQueue' : 'All';
    const statement = this.statements[claimStatementKey(scope, recording, promote)];
    let values: unknown[] = [names, workerId, limit];
    if (recording) {
      const now = performance.now();
      values = [
        ...values,
        records.completed.map((a) => a.id),
        outcomesOf(records.completed, now),
        this.channel,
        records.started.map((a) => a.id),
        markersOf(records.started, now),
      ];
    }
    const rows = await this.db.query<Row>(statement, queue === null ? values : [...values, queue], undefined, true);
    const promoted = Number(rows[0]?.promoted ?? 0);
    return { rows: rows.filter((row) => row.id !== null), promoted };
  }

  /** Promotes due scheduled tasks of every queue (up to `limit`) and wakes their workers. @returns how many. */
  async promoteDue(limit: number): Promise<number> {
    const [row] = await this.db.query<{ promoted: string }>(this.statements.promoteDue, [this.channel, limit]);
    return Number(row?.promoted ?? 0);
  }

  /** The stored backoff of a task, read by the failure path only (the claim does not fetch it). */
  async getBackoff(id: string): Promise<BackoffOptions | null> {
    const [row] = await this.db.query<{ backoff: BackoffOptions | null }>(this.statements.backoff, [id]);
    return row?.backoff ?? null;
  }

  /** Records completions and start markers of worker incarnation `workerId`, without claiming. */
  async record(workerId: string, records: AttemptRecords): Promise<void> {
    await this.db.query(this.statements.record, recordValues(workerId, records, this.channel));
  }

  /** @returns the task's new state, or undefined when the guard found it no longer this attempt's. */
  async fail(failed: FailedAttempt): Promise<{ state: string; queue: string; run_at: Date } | undefined> {
    const [row] = await this.db.query<{ state: string; queue: string; run_at: Date }>(this.statements.fail, [
      failed.id,
      failed.workerId,
      failed.attempt,
      this.channel,
      failed.error,
      failed.retryDelayMs,
      failed.retry,
      Math.max(0, Math.round(performance.now() - failed.startedAt)),
    ]);
    return row;
  }

  /** Gives a snoozed attempt back and reschedules its task. @returns its new state, or undefined when the guard found it no longer this attempt's. */
  async snooze(snoozed: SnoozedAttempt): Promise<{ state: string; queue: string; run_at: Date } | undefined> {
    const [row] = await this.db.query<{ state: string; queue: string; run_at: Date }>(this.statements.snooze, [
      snoozed.id,
      snoozed.workerId,
      snoozed.attempt,
      this.channel,
      snoozed.delayMs,
      snoozed.claimedRunAtMs,
      snoozed.message,
    ]);
    return row;
  }

  /** Hands attempts back to `pending` without spending them; each is matched on its attempt number too. */
  async release(workerId: string, attempts: readonly { id: string; attempts: number }[], timeoutMs?: number): Promise<number> {
    if (attempts.length === 0) return 0;
    const byId = JSON.stringify(Object.fromEntries(attempts.map((a) => [a.id, a.attempts])));
    const [row] = await this.db.query<{ released: string }>(
      this.statements.release,
      [attempts.map((a) => a.id), workerId, this.channel, byId],
      timeoutMs,
    );
    return Number(row?.released ?? 0);
  }

  /** The attempts the database says worker incarnation `workerId` is running. */
  runningUnder(workerId: string): Promise<{ id: string; attempts: number }[]> {
    return this.db.query(this.statements.runningUnder, [workerId]);
  }

  async rescueOrphaned(maxRescues: number): Promise<RescueOutcome> {
    const [row] = await this.db.query<RescueRow>(this.statements.rescue, [this.channel, maxRescues]);
    return toRescueOutcome(row);
  }

  /** Registers a worker incarnation with a fresh lease, on the control connection. */
  async registerWorker(worker: WorkerRegistration, timeoutMs: number): Promise<void> {
    await this.control.query(
      this.statements.register,
      [worker.id, worker.hostname, worker.pid, worker.queues, worker.concurrency, worker.leaseMs],
      timeoutMs,
    );
  }

  /**
   * Renews a worker's lease on the control connection. @returns null when the
   * lease had already ended (the worker must fence), else the worker's running
   * tasks whose cancel was requested.
   */
  async renewLease(workerId: string, timeoutMs: number): Promise<{ cancelRequested: string[] } | null> {
    const [row] = await this.control.query<{ cancel_requested: string[] }>(this.statements.renew, [workerId], timeoutMs);
    return row ? { cancelRequested: row.cancel_requested } : null;
  }

  async deregisterWorker(workerId: string, timeoutMs?: number): Promise<void> {
    await this.db.query(this.statements.deregister, [workerId], timeoutMs);
  }

  /** Tries to become (or stay) the maintenance leader; held on the control connection. */
  async tryMaintenanceLock(timeoutMs: number): Promise<{ acquired: boolean; generation: number }> {
    const { rows, generation } = await this.control.queryOnConnection<{ acquired: boolean }>(
      TRY_MAINTENANCE_LOCK,
      [this.db.tables.schema],
      timeoutMs,
    );
    return { acquired: rows[0]?.acquired === true, generation };
  }

  /** The control connection was replaced since `generation`: a lock held on it is gone. */
  controlGeneration(): number {
    return this.control.generation;
  }

  async releaseMaintenanceLock(timeoutMs: number): Promise<void> {
    await this.control.query(RELEASE_MAINTENANCE_LOCK, [this.db.tables.schema], timeoutMs);
  }

  async getTask(id: string): Promise<TaskRow | undefined> {
    const [row] = await this.db.query<TaskRow>(this.statements.getTask, [id]);
    return row;
  }

  getOutcomes(ids: readonly string[]): Promise<TaskOutcomeRow[]> {
    return this.db.query(this.statements.outcomes, [ids]);
  }

  /** @returns ms from now (on the database's clock) until the earliest scheduled task is due; ≤ 0 when one is due; undefined when none is scheduled. */
  async msUntilNextRun(queue: string | null, names: readonly string[]): Promise<number | undefined> {
    const [row] =
      queue === null
        ? await this.db.query<{ run_at: Date; db_now: Date }>(this.statements.nextRunAtAll, [names])
        : await this.db.query<{ run_at: Date; db_now: Date }>(this.statements.nextRunAtQueue, [names, queue]);
    return row ? row.run_at.getTime() - row.db_now.getTime() : undefined;
  }

  /** The parents of task `id`, in its `dependsOn` order. */
  getParents(id: string): Promise<ParentTaskInfo[]> {
    return this.db.query(this.statements.parents, [id]);
  }

  /** Cancels tasks `ids` (see cancel-tasks.sql.ts); outcome null for an id that names no task. */
  async cancel(ids: readonly string[]): Promise<CancelledRow[]> {
    return this.db.query(this.statements.cancel, [ids, this.channel]);
  }

  /** Cancels every unfinished task matching the filter, in one statement (see cancelMatchingStatement). */
  async cancelMatching(
    name: string | null,
    queue: string | null,
    states: readonly string[],
    listLimit: number | null,
  ): Promise<{ cancelled: number; requested: number; cancelledTasks: CancelledTask[] }> {
    const [row] = await this.db.query<{ cancelled: string; requested: string; cancelled_tasks: CancelledTask[] }>(
      this.statements.cancelMatching,
      [name, queue, states, this.channel, listLimit],
    );
    return { cancelled: Number(row?.cancelled ?? 0), requested: Number(row?.requested ?? 0), cancelledTasks: row?.cancelled_tasks ?? [] };
  }

  async notify(payload: string): Promise<void> {
    await this.db.query(this.statements.notify, [this.channel, payload]);
  }

  /** A batch of task events, on the channel only `events$` subscribers listen to. */
  async notifyEvents(payload: string): Promise<void> {
    await this.db.query(this.statements.notify, [this.db.tables.eventsChannel, payload]);
  }
}

/** Which of the twelve claim statements: scope, carrying records or not, promoting or not. */
function claimStatementKey(scope: 'All' | 'Queue' | 'ByQueue', recording: boolean, promote: boolean): keyof TaskStatements {
  return `${recording ? 'recordAndClaim' : 'claim'}${scope}${promote ? '' : 'NoPromote'}` as keyof TaskStatements;
}
