import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * What a running task tried to report (progress, a log line, a context
 * value) is out of range or too large. Thrown by the call itself; nothing of
 * that call is kept, the handler goes on unless it lets the error escape.
 */
export class InvalidTaskReportError extends QueuedTasksError {
  constructor(
    /** What was refused: `progress value`, `log data`, `context "rows"`. */
    readonly what: string,
    reason: string,
  ) {
    super(MESSAGES.invalidTaskReport(what, reason));
  }
}
