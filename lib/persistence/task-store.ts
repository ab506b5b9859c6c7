import { Injectable } from '@nestjs/common';
import type { BackoffOptions } from '../interfaces/backoff.interface.js';
import { QueueDatabase } from './queue-database.js';
import type { SqlStatement } from './sql-statement.js';
import { claimTasksInQueuesStatement, claimTasksStatement, completeAndClaimStatement } from './sql/claim-tasks.sql.js';
import { completeTasksStatement, completionOutcomes } from './sql/complete-tasks.sql.js';
import { failTaskStatement } from './sql/fail-task.sql.js';
import {
  insertTaskNotifyingStatement,
  insertTaskStatement,
  insertTaskValues,
  insertTasksStatement,
  insertTasksValues,
  type NewTaskRow,
} from './sql/insert-tasks.sql.js';
import { notifyWakeupStatement } from './sql/notify-wakeup.sql.js';
import { getBackoffStatement, getTaskOutcomesStatement, getTaskStatement, nextRunAtStatement } from './sql/read-tasks.sql.js';
import { releaseTasksStatement } from './sql/release-tasks.sql.js';
import { rescueOrphanedTasksStatement } from './sql/rescue-orphaned-tasks.sql.js';
import type { ClaimedTaskRow, TaskRow } from './sql/task-row.js';
import {
  deregisterWorkerStatement,
  heartbeatWorkerStatement,
  pruneDeadWorkersStatement,
  registerWorkerStatement,
} from './sql/worker-registry.sql.js';

/** One attempt's successful outcome, queued for a batched completion. */
export interface CompletedAttempt {
  id: string;
  attempt: number;
  /** JSON text of the result, or null. */
  result: string | null;
}

export interface FailedAttempt {
  id: string;
  attempt: number;
  /** JSON text of the TaskAttemptError. */
  error: string;
  retry: boolean;
  retryDelayMs: number;
}

export interface WorkerRegistration {
  id: string;
  hostname: string;
  pid: number;
  queues: string[] | null;
  concurrency: number;
}

export type TaskOutcomeRow = Pick<TaskRow, 'id' | 'name' | 'state' | 'result' | 'errors'>;

/**
 * Every statement the queue runs, bound to one schema. The SQL itself, with
 * the reasoning behind each statement, lives in `./sql/`.
 */
@Injectable()
export class TaskStore {
  private readonly statements: Record<
    | 'insertTask'
    | 'insertTaskNotifying'
    | 'insertTasks'
    | 'claim'
    | 'claimInQueues'
    | 'completeAndClaim'
    | 'backoff'
    | 'complete'
    | 'fail'
    | 'release'
    | 'rescue'
    | 'register'
    | 'heartbeat'
    | 'deregister'
    | 'prune'
    | 'getTask'
    | 'outcomes'
    | 'nextRunAt'
    | 'notify',
    SqlStatement
  >;

  constructor(private readonly db: QueueDatabase) {
    const t = db.tables;
    this.statements = {
      insertTask: insertTaskStatement(t),
      insertTaskNotifying: insertTaskNotifyingStatement(t),
      insertTasks: insertTasksStatement(t),
      claim: claimTasksStatement(t),
      claimInQueues: claimTasksInQueuesStatement(t),
      completeAndClaim: completeAndClaimStatement(t),
      backoff: getBackoffStatement(t),
      complete: completeTasksStatement(t),
      fail: failTaskStatement(t),
      release: releaseTasksStatement(t),
      rescue: rescueOrphanedTasksStatement(t),
      register: registerWorkerStatement(t),
      heartbeat: heartbeatWorkerStatement(t),
      deregister: deregisterWorkerStatement(t),
      prune: pruneDeadWorkersStatement(t),
      getTask: getTaskStatement(t),
      outcomes: getTaskOutcomesStatement(t),
      nextRunAt: nextRunAtStatement(t),
      notify: notifyWakeupStatement(t),
    };
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

  insertTasks(tasks: readonly NewTaskRow[]): Promise<{ id: string; run_at: Date }[]> {
    return this.db.query(this.statements.insertTasks, insertTasksValues(tasks));
  }

  /** Claims up to `limit` due tasks; with `completed`, records those completions in the same statement. */
  async claim(
    workerId: string,
    names: readonly string[],
    limit: number,
    queues: readonly string[] | null,
    completed: readonly CompletedAttempt[] = [],
  ): Promise<ClaimedTaskRow[]> {
    if (completed.length > 0) {
      const rows = await this.db.query<ClaimedTaskRow>(this.statements.completeAndClaim, [
        names,
        workerId,
        limit,
        completed.map((a) => a.id),
        completionOutcomes(completed),
        this.channel,
        queues,
      ]);
      return rows.filter((row) => row.id !== null);
    }
    return queues
      ? this.db.query(this.statements.claimInQueues, [names, workerId, limit, queues])
      : this.db.query(this.statements.claim, [names, workerId, limit]);
  }

  /** The stored backoff of a task, read by the failure path only (the claim does not fetch it). */
  async getBackoff(id: string): Promise<BackoffOptions | null> {
    const [row] = await this.db.query<{ backoff: BackoffOptions | null }>(this.statements.backoff, [id]);
    return row?.backoff ?? null;
  }

  async complete(workerId: string, attempts: readonly CompletedAttempt[]): Promise<void> {
    await this.db.query(this.statements.complete, [attempts.map((a) => a.id), completionOutcomes(attempts), workerId, this.channel]);
  }

  /** @returns the task's new state, or undefined when the guard found it no longer ours. */
  async fail(workerId: string, failed: FailedAttempt): Promise<{ state: string; run_at: Date } | undefined> {
    const [row] = await this.db.query<{ state: string; run_at: Date }>(this.statements.fail, [
      failed.id,
      workerId,
      failed.attempt,
      this.channel,
      failed.error,
      failed.retryDelayMs,
      failed.retry,
    ]);
    return row;
  }

  /** Hands attempts back to `pending` without spending them; each is matched on its attempt number too. */
  async release(workerId: string, attempts: readonly Pick<ClaimedTaskRow, 'id' | 'attempts'>[]): Promise<number> {
    if (attempts.length === 0) return 0;
    const byId = JSON.stringify(Object.fromEntries(attempts.map((a) => [a.id, a.attempts])));
    const [row] = await this.db.query<{ released: string }>(this.statements.release, [
      attempts.map((a) => a.id),
      workerId,
      this.channel,
      byId,
    ]);
    return Number(row?.released ?? 0);
  }

  async rescueOrphaned(leaseMs: number): Promise<number> {
    const [row] = await this.db.query<{ rescued: string }>(this.statements.rescue, [leaseMs, this.channel]);
    return Number(row?.rescued ?? 0);
  }

  async registerWorker(worker: WorkerRegistration): Promise<void> {
    await this.db.query(this.statements.register, [worker.id, worker.hostname, worker.pid, worker.queues, worker.concurrency]);
  }

  /** @returns false when the registry no longer knows this worker. */
  async heartbeat(workerId: string): Promise<boolean> {
    return (await this.db.query(this.statements.heartbeat, [workerId])).length > 0;
  }

  async deregisterWorker(workerId: string): Promise<void> {
    await this.db.query(this.statements.deregister, [workerId]);
  }

  async pruneDeadWorkers(leaseMs: number): Promise<void> {
    await this.db.query(this.statements.prune, [leaseMs]);
  }

  async getTask(id: string): Promise<TaskRow | undefined> {
    const [row] = await this.db.query<TaskRow>(this.statements.getTask, [id]);
    return row;
  }

  getOutcomes(ids: readonly string[]): Promise<TaskOutcomeRow[]> {
    return this.db.query(this.statements.outcomes, [ids]);
  }

  /** @returns ms from now (on the database's clock) until the earliest pending task is due; ≤ 0 when one is due; undefined when none is pending. */
  async msUntilNextRun(queues: readonly string[] | null, names: readonly string[]): Promise<number | undefined> {
    const [row] = await this.db.query<{ run_at: Date; db_now: Date }>(this.statements.nextRunAt, [queues, names]);
    return row ? row.run_at.getTime() - row.db_now.getTime() : undefined;
  }

  async notify(payload: string): Promise<void> {
    await this.db.query(this.statements.notify, [this.channel, payload]);
  }
}
