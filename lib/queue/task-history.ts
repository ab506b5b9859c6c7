import type { TaskAttemptError, TaskSnooze } from '../interfaces/task-info.interface.js';
import type { StoredSnooze, TaskHistoryEntry } from '../persistence/sql/task-row.js';

/*
 * The `errors` column is the task's history: failed attempts and snoozes,
 * oldest first. Readers see them apart: a snooze is not a failure.
 */

function isSnooze(entry: TaskHistoryEntry): entry is StoredSnooze {
  return (entry as Partial<StoredSnooze>).kind === 'snooze';
}

/** The failed attempts of a task's history. */
export function failuresOf(history: readonly TaskHistoryEntry[]): TaskAttemptError[] {
  // Most tasks never snooze: no copy for them.
  return history.some(isSnooze) ? history.filter((entry) => !isSnooze(entry)) : (history as TaskAttemptError[]);
}

/** The snoozes of a task's history. */
export function snoozesOf(history: readonly TaskHistoryEntry[]): TaskSnooze[] {
  return history.filter(isSnooze).map(({ attempt, delayMs, at, runAt }) => ({ attempt, delayMs, at, runAt }));
}
