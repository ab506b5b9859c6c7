import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** An event listener cannot be used: on a request-scoped provider, or with a filter that is not names or queues. Thrown at bootstrap (or by `events$`). */
export class InvalidEventListenerError extends QueuedTasksError {
  constructor(
    /** The listener: `@OnTaskEvent() of Alerts.onFailed`, `events$()`. */
    readonly source: string,
    reason: string,
  ) {
    super(MESSAGES.invalidEventListener(source, reason));
  }
}
