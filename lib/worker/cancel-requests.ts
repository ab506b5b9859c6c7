import type { RunningAttempt } from './task-runner.js';

/** Ids remembered, at most: a cancel heard for a row still waiting in a buffer is applied when it starts. */
const REMEMBERED = 10_000;

/**
 * Cancels requested for tasks this worker holds, heard by NOTIFY or read by
 * a heartbeat. A running attempt is aborted at once (its signal's reason is
 * a TaskCancelledError); a row claimed ahead and not started yet is started
 * already aborted, so its handler never runs. Either way the attempt's own
 * completion or failure statement reads the request in the row and ends the
 * task `cancelled`: this class only makes that happen sooner.
 */
export class CancelRequests {
  private readonly requested = new Set<string>();

  /** Aborts the running attempts among `taskIds` and remembers the rest. */
  apply(taskIds: readonly string[], running: Iterable<RunningAttempt>): void {
    for (const id of taskIds) {
      this.requested.add(id);
      if (this.requested.size > REMEMBERED) this.requested.delete(this.requested.values().next().value!);
    }
    const ids = new Set(taskIds);
    for (const attempt of running) {
      if (ids.has(attempt.row.id)) attempt.abort({ kind: 'cancelled', taskId: attempt.row.id, taskName: attempt.row.name });
    }
  }

  /** A cancel was heard for `taskId`: starting it is pointless (and it is forgotten now). */
  take(taskId: string): boolean {
    return this.requested.delete(taskId);
  }
}
