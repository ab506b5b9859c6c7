import { QueuedTasksError } from './queued-tasks.error.js';

/**
 * Throw this from a handler to fail the task at once, whatever attempts remain.
 *
 * @example
 * ```ts
 * if (!user) throw new NonRetryableError(`user ${id} no longer exists`);
 * ```
 */
export class NonRetryableError extends QueuedTasksError {}
