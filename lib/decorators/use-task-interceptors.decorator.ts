import type { Type } from '@nestjs/common';
import { TASK_INTERCEPTORS_METADATA } from '../queued-tasks.constants.js';
import type { TaskInterceptor } from '../interfaces/task-interceptor.interface.js';

/**
 * Wraps the runs of a `@QueuedTask()` method (on a method), or of every
 * handler of a class (on the class), in interceptors. Each is resolved
 * through DI: the provider's instance when the class is listed among a
 * module's providers (request-scoped ones are resolved per run, in the
 * run's scope), else an instance Nest creates with its dependencies.
 *
 * Order, outermost first: the module's `interceptors`, then the class's,
 * then the method's; within one decorator, and across several on one
 * target, in the order they are written. A value that is not a class with
 * an `intercept` method fails bootstrap with `InvalidTaskInterceptorError`.
 *
 * @example
 * ```ts
 * @Injectable()
 * @UseTaskInterceptors(TenantInterceptor)
 * export class BillingTasks {
 *   @UseTaskInterceptors(AuditInterceptor)
 *   @QueuedTask({ name: 'billing.pay' })
 *   async pay(invoiceId: string): Promise<void> { ... }
 * }
 * ```
 */
export function UseTaskInterceptors(...interceptors: Type<TaskInterceptor>[]): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder: object = descriptor ? (descriptor.value as object) : target;
    // Decorators apply bottom-up: prepend, so that written order is run order.
    const existing = (Reflect.getOwnMetadata(TASK_INTERCEPTORS_METADATA, holder) as unknown[] | undefined) ?? [];
    Reflect.defineMetadata(TASK_INTERCEPTORS_METADATA, [...interceptors, ...existing], holder);
  };
}
