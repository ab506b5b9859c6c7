import type { TaskEventBus } from '../events/task-event-bus.js';
import type { RescuedTask } from '../persistence/task-store-types.js';

/**
 * The events of a rescue pass, on the maintenance leader (the one process
 * that ran it): `rescued` for every task taken back, then `failed` or
 * `cancelled` for those the rescue ended, since no worker will.
 */
export function emitRescueEvents(events: TaskEventBus, tasks: readonly RescuedTask[]): void {
  const at = new Date();
  for (const task of tasks) {
    const base = { taskId: task.id, name: task.name, queue: task.queue, at };
    events.emit({ type: 'rescued', ...base, attempt: task.attempt, state: task.state });
    if (task.state === 'failed') {
      const error = task.error ? { name: task.error.name, message: task.error.message } : { name: 'WorkerLostError', message: 'rescued' };
      events.emit({ type: 'failed', ...base, attempt: task.attempt, maxAttempts: task.maxAttempts, error });
    } else if (task.state === 'cancelled') {
      events.emit({ type: 'cancelled', ...base, wasRunning: true });
    }
  }
}
