import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/** `@OnTaskEvent()`, `@OnWorkerEvent()` or an `events$` filter names an event type that does not exist. Thrown at bootstrap (or by `events$`). */
export class UnknownTaskEventError extends QueuedTasksError {
  constructor(
    readonly eventType: string,
    /** Where it was named: `@OnTaskEvent() of Alerts.onFailed`, `events$()`. */
    readonly source: string,
    known: readonly string[],
  ) {
    super(MESSAGES.unknownTaskEvent(eventType, source, known));
  }
}
