import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** `TaskSchedules.pause`, `resume`, `remove` or `nextRuns` named a key no stored schedule has. Nothing was changed. */
export class ScheduleNotFoundError extends QueuedTasksError {
  constructor(readonly key: string) {
    super(MESSAGES.scheduleNotFound(key));
  }
}
