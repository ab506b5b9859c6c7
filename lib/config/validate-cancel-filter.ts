import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import type { CancelFilter } from '../interfaces/task-info.interface.js';
import { isQueueName, QUEUE_NAME_RULE } from './validate-task-options.js';

/** States a cancel can act on: every unfinished one. */
export const CANCELLABLE_STATES: readonly string[] = ['scheduled', 'pending', 'blocked', 'running'];

/**
 * Checks the filter of `TaskQueue.cancelWhere` and resolves its defaults: a
 * task name and/or a queue (never neither: an empty filter would cancel
 * everything), and some unfinished states (all of them by default).
 */
export function resolveCancelFilter(filter: CancelFilter): { name: string | null; queue: string | null; states: readonly string[] } {
  const where = 'cancelWhere()';
  if (filter === null || typeof filter !== 'object') throw new InvalidTaskOptionsError('filter', 'must be an object', where);
  const { name, queue, states = CANCELLABLE_STATES } = filter;
  if (name === undefined && queue === undefined) throw new InvalidTaskOptionsError('filter', 'name a task name, a queue, or both', where);
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.includes('\u0000'))) {
    // NUL: PostgreSQL text cannot hold it, so no task has it in its name.
    throw new InvalidTaskOptionsError('name', 'must be a non-empty string without NUL characters', where);
  }
  if (queue !== undefined && !isQueueName(queue)) throw new InvalidTaskOptionsError('queue', QUEUE_NAME_RULE, where);
  if (!Array.isArray(states) || states.length === 0 || states.some((state) => !CANCELLABLE_STATES.includes(state))) {
    throw new InvalidTaskOptionsError('states', `must list some of ${CANCELLABLE_STATES.join(', ')}`, where);
  }
  return { name: name ?? null, queue: queue ?? null, states };
}
