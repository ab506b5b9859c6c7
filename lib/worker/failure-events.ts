import type { TaskEventBus } from '../events/task-event-bus.js';
import type { ClaimedTaskRow } from '../persistence/sql/task-row.js';

/**
 * The event of a failed attempt, once its outcome is written: `retrying`
 * (with the run time the database chose), `failed`, or `cancelled` when a
 * cancel request was waiting in the row. Emitted by the worker that ran it.
 */
export function emitFailureEvent(
  events: TaskEventBus,
  row: ClaimedTaskRow,
  updated: { state: string; run_at: Date },
  record: { name: string; message: string },
): void {
  const base = { taskId: row.id, name: row.name, queue: row.queue, at: new Date() };
  const attempt = { attempt: row.attempts, maxAttempts: row.max_attempts };
  const error = { name: record.name, message: record.message };
  switch (updated.state) {
    case 'pending':
    case 'scheduled':
      events.emit({ type: 'retrying', ...base, ...attempt, error, runAt: updated.run_at });
      break;
    case 'failed':
      events.emit({ type: 'failed', ...base, ...attempt, error });
      break;
    case 'cancelled':
      events.emit({ type: 'cancelled', ...base, wasRunning: true });
      break;
  }
}
