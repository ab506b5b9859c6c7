import type { TaskProgressEvent } from '../interfaces/task-event.interface.js';
import type { ReportedProgress } from './report-values.js';
import type { ReportingAttempt } from './task-report-writer.js';

/**
 * The `progress` event of a progress report: emitted when the report is
 * written (about once a second per task at most) or rides on the
 * completion, so events are coalesced as the writes are.
 */
export function progressEvent(task: Pick<ReportingAttempt, 'id' | 'name' | 'queue'>, progress: ReportedProgress): TaskProgressEvent {
  const event: TaskProgressEvent = { type: 'progress', taskId: task.id, name: task.name, queue: task.queue, value: progress.value, at: new Date(progress.at) };
  if (progress.message !== undefined) event.message = progress.message;
  if (progress.data !== null) event.data = JSON.parse(progress.data) as unknown;
  return event;
}
