import { Logger } from '@nestjs/common';
import { isTransientDatabaseError } from '../persistence/translate-database-error.js';
import type { AttemptKey, AttemptRecords, CompletedAttempt, StartedAttempt } from '../persistence/attempt-records.js';
import type { TaskStore } from '../persistence/task-store.js';

/** Rows per recording statement: keeps parameter texts and notify payloads small. */
const MAX_BATCH = 1_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
/**
 * A start marker waits this long for a statement to ride on. Most tasks of a
 * busy worker finish sooner, and their completion records the start instead.
 */
const START_MARK_DELAY_MS = 50;

/** Key of an attempt in every local map: a task re-claimed by a new incarnation, or at a new attempt, is another attempt. */
export function attemptKey(a: Omit<AttemptKey, 'key'>): string {
  return `${a.workerId}:${a.id}:${a.attempt}`;
}

/**
 * Writes what a worker's attempts did, in batches: completions (written at
 * once, and those arriving meanwhile go together in the next statement) and
 * start markers (of handlers still running after 50 ms: on the next
 * statement going out, or on one of their own within another 50 ms). While
 * the worker's claims follow each other closely, everything rides on them
 * for free.
 *
 * A completion not yet written when the process dies is not lost work: the
 * task stays `running` under a dead worker and is rescued and run again
 * (at-least-once, like every queue that cannot make the handler's side
 * effects part of its transaction).
 *
 * A batch the database refuses for what is in it (not for being unreachable)
 * is split until the refused completion is found; that one is handed to
 * `onRefused` (the task fails for good: the same result would be refused
 * again), and the rest are written. Such completions never ride on a claim
 * again, so one bad row cannot block claiming.
 */
export class AttemptRecorder {
  private readonly logger = new Logger('QueuedTasks');
  private completed: CompletedAttempt[] = [];
  /** Completions that once failed a statement for their content: written alone, never carried by a claim. */
  private suspect: CompletedAttempt[] = [];
  private started = new Map<string, StartedAttempt>();
  /** Records in statements being written now. */
  private readonly inFlight = new Set<AttemptRecords>();
  private flushing: Promise<void> | null = null;
  private markTimer: NodeJS.Timeout | null = null;
  private retryDelay = RETRY_MIN_MS;
  private giveUpAt = Infinity;
  /** Set while a claim is in flight: the next claim will carry what arrives meanwhile. */
  private held = false;

  constructor(
    private readonly store: TaskStore,
    private readonly onRefused: (attempt: CompletedAttempt, error: unknown) => Promise<void>,
  ) {}

  /** Attempts whose record is queued or being written: their rows are still `running` in the database. */
  pendingKeys(): Set<string> {
    const keys = new Set<string>();
    for (const records of this.inFlight) for (const a of [...records.completed, ...records.started]) keys.add(a.key);
    for (const a of this.completed) keys.add(a.key);
    for (const a of this.suspect) keys.add(a.key);
    return keys;
  }

  get size(): number {
    return this.completed.length + this.suspect.length;
  }

  complete(attempt: CompletedAttempt): void {
    this.started.delete(attempt.key);
    this.completed.push(attempt);
    if (!this.held) this.flushSoon();
  }

  /** A handler started: its start is recorded within 50 ms unless it finishes first. */
  markStarted(attempt: StartedAttempt): void {
    this.started.set(attempt.key, attempt);
    this.armMarkTimer();
  }

  /** While markers wait, look every 50 ms for those due; claims in flight carry them, otherwise a statement of their own does. */
  private armMarkTimer(): void {
    this.markTimer ??= setTimeout(() => {
      this.markTimer = null;
      if (!this.held) this.flushSoon();
      if (this.started.size > 0) this.armMarkTimer();
    }, START_MARK_DELAY_MS);
  }

  /** The attempt's row is written by another statement (failure, release): no marker needed. */
  forget(attempt: AttemptKey): void {
    this.started.delete(attempt.key);
  }

  /**
   * Hands what is queued for `workerId` to a claim statement that will record
   * it, and holds new records for the next claim until `release()`.
   */
  takeForClaim(workerId: string): AttemptRecords {
    this.held = true;
    const completed: CompletedAttempt[] = [];
    const rest: CompletedAttempt[] = [];
    for (const a of this.completed) (a.workerId === workerId && completed.length < MAX_BATCH ? completed : rest).push(a);
    this.completed = rest;
    const started: StartedAttempt[] = [];
    // Only markers of handlers running for a while: most tasks of a busy
    // worker finish within milliseconds, and their completion records the
    // start for free (a marker would update each row twice).
    const startedBefore = performance.now() - START_MARK_DELAY_MS;
    for (const [key, a] of this.started) {
      if (a.workerId !== workerId || a.startedAt > startedBefore || started.length >= MAX_BATCH) continue;
      started.push(a);
      this.started.delete(key);
    }
    const records = { completed, started };
    this.inFlight.add(records);
    // Completions of an earlier incarnation (the worker fenced itself) ride on
    // no claim of this one: write them beside it.
    if (rest.some((a) => a.workerId !== workerId)) this.flushSoon();
    return records;
  }

  /**
   * Settles when the records being written on their own now are written (or
   * failed): a controlled claim waits for it, since a completion still in
   * flight would count as a running task against its queue's limits.
   */
  writesSettled(): Promise<void> {
    return this.flushing ?? Promise.resolve();
  }

  /**
   * Holds new records for a claim about to go out (a controlled producer's,
   * woken by its task's end): that claim carries them, in its commit. The
   * worker releases the hold once no claim is in flight.
   */
  hold(): void {
    this.held = true;
  }

  /** The claim that carried them was written. */
  carried(records: AttemptRecords): void {
    this.inFlight.delete(records);
    announceWritten(records.completed);
  }

  /**
   * The claim that carried them failed. When the failure was transient (the
   * database unreachable, a deadlock, a cancelled statement) they go back in front; when it refused the statement, the completions
   * are written on their own, split until the refused one is found.
   */
  requeue(records: AttemptRecords, error: unknown): void {
    this.inFlight.delete(records);
    if (isTransientDatabaseError(error)) this.completed.unshift(...records.completed);
    else this.suspect.push(...records.completed);
    for (const a of records.started) this.started.set(a.key, a);
  }

  /** No claim follows for now: write what was held. */
  release(): void {
    this.held = false;
    if (this.completed.length > 0 || this.suspect.length > 0 || (this.started.size > 0 && !this.markTimer)) this.flushSoon();
  }

  /** Writes everything queued, giving up at `deadline` (epoch ms): what is left runs again after rescue. */
  async drain(deadline: number): Promise<void> {
    this.giveUpAt = deadline;
    this.held = false;
    if (this.markTimer) clearTimeout(this.markTimer);
    this.markTimer = null;
    // Markers are pointless now: every running attempt is settled or released.
    this.started.clear();
    if (this.completed.length > 0 || this.suspect.length > 0) this.flushSoon();
    while (this.flushing && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.flushing, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
      // A flush that ends first must not leave its deadline timer holding the process open after close().
      clearTimeout(timer);
    }
    const left = this.size;
    if (left > 0) this.logger.warn(`Could not record ${left} completion(s) before shutdown; those tasks will run again`);
    this.completed = [];
    this.suspect = [];
  }

  private flushSoon(): void {
    this.flushing ??= this.flush().finally(() => {
      this.flushing = null;
      if (!this.held && (this.completed.length > 0 || this.suspect.length > 0)) this.flushSoon();
    });
  }

  private async flush(): Promise<void> {
    for (;;) {
      const batch = this.nextBatch();
      if (!batch) return;
      const { workerId, records, isolate } = batch;
      this.inFlight.add(records);
      try {
        if (isolate) {
          await this.writeIsolating(workerId, records.completed, records.started);
        } else {
          try {
            await this.store.record(workerId, records);
            announceWritten(records.completed);
          } catch (error) {
            if (isTransientDatabaseError(error)) throw error;
            // Refused for its content: find the row.
            await this.writeIsolating(workerId, records.completed, records.started);
          }
        }
        this.retryDelay = RETRY_MIN_MS;
      } catch (caught) {
        const error = caught as Error;
        if (Date.now() >= this.giveUpAt) return;
        // Keep them: the tasks are done, only the record is missing. Rewriting
        // some that did commit is harmless: the guard makes it a no-op.
        (isolate ? this.suspect : this.completed).unshift(...records.completed);
        for (const a of records.started) this.started.set(a.key, a);
        this.logger.warn(`Recording completions failed (${error.message}); retrying in ${this.retryDelay} ms`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.retryDelay, Math.max(0, this.giveUpAt - Date.now()))));
        this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
      } finally {
        this.inFlight.delete(records);
      }
    }
  }

  private nextBatch(): { workerId: string; records: AttemptRecords; isolate: boolean } | null {
    if (this.suspect.length > 0) {
      const workerId = this.suspect[0]!.workerId;
      const completed = this.suspect.filter((a) => a.workerId === workerId).slice(0, MAX_BATCH);
      const taken = new Set(completed);
      this.suspect = this.suspect.filter((a) => !taken.has(a));
      return { workerId, records: { completed, started: [] }, isolate: true };
    }
    const startedBefore = performance.now() - START_MARK_DELAY_MS;
    const due = (a: StartedAttempt) => a.startedAt <= startedBefore;
    const first = this.completed[0] ?? [...this.started.values()].find(due);
    if (!first) return null;
    const workerId = first.workerId;
    const completed: CompletedAttempt[] = [];
    const rest: CompletedAttempt[] = [];
    for (const a of this.completed) (a.workerId === workerId && completed.length < MAX_BATCH ? completed : rest).push(a);
    this.completed = rest;
    const started: StartedAttempt[] = [];
    for (const [key, a] of this.started) {
      if (a.workerId !== workerId || !due(a) || started.length >= MAX_BATCH) continue;
      started.push(a);
      this.started.delete(key);
    }
    return { workerId, records: { completed, started }, isolate: false };
  }

  /** Writes completions, halving the batch on each refusal until the refused row is alone. */
  private async writeIsolating(workerId: string, completed: readonly CompletedAttempt[], started: readonly StartedAttempt[]): Promise<void> {
    try {
      await this.store.record(workerId, { completed, started });
      announceWritten(completed);
      return;
    } catch (error) {
      if (isTransientDatabaseError(error)) throw error;
      if (completed.length === 1 && started.length === 0) {
        await this.onRefused(completed[0]!, error).catch((failure: Error) => {
          this.logger.error(`Could not record the refusal of task ${completed[0]!.id}'s result: ${failure.message}`);
        });
        return;
      }
      if (completed.length === 0) {
        this.logger.error(`The database refused ${started.length} start marker(s): ${(error as Error).message}`);
        return;
      }
      const half = Math.ceil(completed.length / 2);
      await this.writeIsolating(workerId, completed.slice(0, half), []);
      await this.writeIsolating(workerId, completed.slice(half), []);
      if (started.length > 0) await this.writeIsolating(workerId, [], started);
    }
  }
}

/** Tells each completion its statement committed (see CompletedAttempt.written); a listener's throw stays its own. */
function announceWritten(completed: readonly CompletedAttempt[]): void {
  for (const attempt of completed) {
    if (attempt.written === undefined) continue;
    try {
      attempt.written();
    } catch {
      // The event bus runs listeners on its own; nothing here may stop the other announcements.
    }
  }
}
