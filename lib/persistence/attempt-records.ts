import { completionOutcomes, type CompletionReports } from './sql/complete-tasks.sql.js';
import { startMarkers } from './sql/mark-started.sql.js';

/*
 * What a worker's attempts report to the database, and how those reports are
 * encoded for the statements that write them (see ./sql/complete-tasks.sql.ts
 * and ./sql/mark-started.sql.ts).
 */

/** Identity of one attempt: the task, its attempt number, and the worker incarnation that claimed it. */
export interface AttemptKey {
  id: string;
  attempt: number;
  workerId: string;
  /** The three above as one string, made once per attempt (see `attemptKey`). */
  key: string;
}

/** One attempt's successful outcome, queued for a batched completion. */
export interface CompletedAttempt extends AttemptKey {
  /** JSON text of the result, or null. */
  result: string | null;
  /** What the attempt reported and was not written yet (its last progress and context, its lines), riding on its completion. */
  reports?: CompletionReports;
  /** `performance.now()` when the handler started. */
  startedAt: number;
  /** Called once the statement that records it has committed (its `completed` event). */
  written?: () => void;
}

/** A handler that started, whose start is not recorded yet. */
export interface StartedAttempt extends AttemptKey {
  /** `performance.now()` when the handler started. */
  startedAt: number;
}

/** What a worker's next statement records on the way: completions and start markers, of one worker incarnation. */
export interface AttemptRecords {
  completed: readonly CompletedAttempt[];
  started: readonly StartedAttempt[];
}

export interface FailedAttempt extends AttemptKey {
  /** `performance.now()` when the handler started. */
  startedAt: number;
  /** JSON text of the TaskAttemptError. */
  error: string;
  retry: boolean;
  retryDelayMs: number;
}

/** An attempt whose handler snoozed (see ./sql/snooze-task.sql.ts). */
export interface SnoozedAttempt extends AttemptKey {
  /** The run time the attempt was claimed at (epoch ms, as the claim returned it): tells a re-claim of the same attempt number apart. */
  claimedRunAtMs: number;
  delayMs: number;
  /** The history entry's message. */
  message: string;
}

/** The completions as the recording statements take them, with each start as ms before `now`. */
export function outcomesOf(completed: readonly CompletedAttempt[], now: number): string {
  return completionOutcomes(
    completed.map((a) => ({ id: a.id, attempt: a.attempt, result: a.result, startedMsAgo: now - a.startedAt, ...a.reports })),
  );
}

/** The start markers as the recording statements take them. */
export function markersOf(started: readonly StartedAttempt[], now: number): string {
  return startMarkers(started.map((a) => ({ id: a.id, attempt: a.attempt, msAgo: now - a.startedAt })));
}

/** Values of the record statement (complete-tasks.sql.ts `recordAttemptsStatement`) for `records` of incarnation `workerId`. */
export function recordValues(workerId: string, records: AttemptRecords, channel: string): unknown[] {
  const now = performance.now();
  return [
    records.completed.map((a) => a.id),
    outcomesOf(records.completed, now),
    workerId,
    channel,
    records.started.map((a) => a.id),
    markersOf(records.started, now),
  ];
}
