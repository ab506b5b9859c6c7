import type { Type } from '@nestjs/common';
import type { TaskContext } from '../context/task-context.js';

/**
 * What an interceptor sees of one run of a handler.
 *
 * Like Nest's `ExecutionContext`: `getClass()` and `getHandler()` are what
 * `Reflector` reads metadata from, so an interceptor can act on a decorator
 * of its own placed on handlers.
 */
export interface TaskExecutionContext {
  /** The run's task context: the same object as `currentTask()` and the `TASK_CONTEXT` provider. */
  readonly task: TaskContext;
  /** The task's arguments, as the handler receives them. */
  readonly args: readonly unknown[];
  /** Name of the handler's method on its class (`pay`), not the task's name (`task.name`). */
  readonly methodName: string;
  /** The provider class that declares the handler. */
  getClass<T = unknown>(): Type<T>;
  /** The handler method itself. */
  getHandler(): (...args: never[]) => unknown;
}

/** The rest of the chain, as seen from one interceptor: the next interceptors, then the handler. */
export interface TaskCallHandler<T = unknown> {
  /**
   * Runs the rest of the chain and resolves with the handler's result (as
   * the inner interceptors changed it), or rejects with what it threw. An
   * interceptor that never calls it skips the handler: what `intercept`
   * returns is then the task's result.
   */
  handle(): Promise<T>;
}

/**
 * Code around every run of a handler: tracing, tenancy, timing, auditing,
 * mapping errors. Resolved through Nest's DI, so it can inject services.
 *
 * Unlike Nest's HTTP interceptors, the chain is promise-based rather than an
 * rxjs `Observable`: a task has exactly one outcome (a result or an error),
 * never a stream, so `await next.handle()` inside `try`/`catch` says all an
 * interceptor needs, and a worker draining tens of thousands of tasks a
 * second does not pay for an Observable per run.
 *
 * Order, outermost first: the module's `interceptors` in array order, then
 * the class's `@UseTaskInterceptors()`, then the method's.
 *
 * - What `intercept` resolves with is the task's result (the handler's, or a
 *   replacement).
 * - What it throws is the attempt's error: throw a `NonRetryableError` to
 *   fail the task without retrying; rethrow errors it does not handle (a
 *   `SnoozeTask` thrown by the handler must pass through to snooze).
 *
 * @example
 * ```ts
 * @Injectable()
 * export class TimingInterceptor implements TaskInterceptor {
 *   constructor(private readonly metrics: Metrics) {}
 *
 *   async intercept(context: TaskExecutionContext, next: TaskCallHandler): Promise<unknown> {
 *     const started = performance.now();
 *     try {
 *       return await next.handle();
 *     } finally {
 *       this.metrics.observe(context.task.name, performance.now() - started);
 *     }
 *   }
 * }
 * ```
 */
export interface TaskInterceptor {
  intercept(context: TaskExecutionContext, next: TaskCallHandler): unknown;
}
