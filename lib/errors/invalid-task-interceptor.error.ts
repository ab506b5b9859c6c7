import { QueuedTasksError } from './queued-tasks.error.js';
import { MESSAGES } from './messages.js';

/**
 * A task interceptor (module option `interceptors` or `@UseTaskInterceptors()`)
 * is not a class with an `intercept` method. Thrown at bootstrap.
 */
export class InvalidTaskInterceptorError extends QueuedTasksError {
  constructor(
    /** Where it was given: `module option interceptors[1]`, `@UseTaskInterceptors() of BillingTasks.pay`. */
    readonly source: string,
    /** What was given instead, briefly (`undefined`, `an object`, `class Audit without intercept()`). */
    readonly given: string,
  ) {
    super(MESSAGES.invalidInterceptor(source, given));
  }
}
