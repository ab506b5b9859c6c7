import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** A queue name or limit given to `TaskQueues` is out of range. Nothing was written. */
export class InvalidQueueOptionsError extends QueuedTasksError {
  constructor(
    readonly queue: string,
    /** The option refused, as a path: `rateLimit.periodMs`, or `queue` for the name. */
    readonly option: string,
    reason: string,
  ) {
    super(MESSAGES.invalidQueueOption(queue, option, reason));
  }
}
