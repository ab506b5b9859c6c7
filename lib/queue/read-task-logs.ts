import { isTaskId } from '../config/validate-task-options.js';
import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import { TaskNotFoundError } from '../errors/task-not-found.error.js';
import type { JsonValue, TaskLogLine, TaskLogsQuery } from '../interfaces/task-report.interface.js';
import type { TaskReportStore } from '../persistence/task-report-store.js';
import { withPublicErrors } from './public-error.js';

/** Lines per page at most, and by default. */
export const MAX_LOG_PAGE = 1_000;
const DEFAULT_LOG_PAGE = 100;

/**
 * A page of a task's stored log lines, oldest first (`TaskQueue.logs`).
 * @throws TaskNotFoundError, InvalidTaskOptionsError
 */
export async function readTaskLogs(store: TaskReportStore, id: string, query: TaskLogsQuery = {}): Promise<TaskLogLine[]> {
  if (!isTaskId(id)) throw new TaskNotFoundError(String(id));
  const { afterId = '0', limit = DEFAULT_LOG_PAGE } = query ?? {};
  if (afterId !== '0' && !isTaskId(afterId)) {
    throw new InvalidTaskOptionsError('afterId', 'must be the id of a log line, as `logs()` answered it', 'logs()');
  }
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LOG_PAGE) {
    throw new InvalidTaskOptionsError('limit', `must be an integer from 1 to ${MAX_LOG_PAGE}`, 'logs()');
  }
  const { exists, lines } = await withPublicErrors(() => store.readLogs(id, afterId, limit));
  if (!exists) throw new TaskNotFoundError(id);
  return lines.map((row) => {
    const line: TaskLogLine = { id: row.id, attempt: row.attempt, level: row.level, message: row.message, at: row.logged_at };
    if (row.data !== null) line.data = row.data as JsonValue;
    return line;
  });
}
