import { Scope, type Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { InvalidTaskInterceptorError } from '../errors/invalid-task-interceptor.error.js';
import type { TaskInterceptor } from '../interfaces/task-interceptor.interface.js';
import type { InterceptorBinding } from './task-definition.js';

/**
 * Turns interceptor classes into what a run calls, once per class however
 * many handlers use it:
 * - a singleton provider (listed in any module): its instance;
 * - a request-scoped, durable or transient provider: its class, resolved
 *   per run in the run's scope (see worker/handler-invoker.ts);
 * - a class no module lists: one instance created by Nest in the queue
 *   module's scope (global providers, and `forRootAsync`'s `imports`).
 */
export class InterceptorResolver {
  private readonly bindings = new Map<Type<TaskInterceptor>, Promise<InterceptorBinding>>();

  constructor(private readonly moduleRef: ModuleRef) {}

  /** @throws InvalidTaskInterceptorError (synchronously, before anything is created) */
  resolveAll(values: readonly unknown[], sourceOf: (index: number) => string): Promise<InterceptorBinding[]> {
    const types = values.map((value, index) => assertInterceptorClass(value, sourceOf(index)));
    return Promise.all(types.map((type) => this.bind(type)));
  }

  private bind(type: Type<TaskInterceptor>): Promise<InterceptorBinding> {
    let binding = this.bindings.get(type);
    if (!binding) this.bindings.set(type, (binding = this.create(type)));
    return binding;
  }

  private async create(type: Type<TaskInterceptor>): Promise<InterceptorBinding> {
    let scope: Scope | undefined;
    try {
      scope = this.moduleRef.introspect(type).scope;
    } catch {
      // Not a provider of any module.
      return { type, instance: await this.moduleRef.create(type) };
    }
    if (scope === Scope.DEFAULT) return { type, instance: this.moduleRef.get(type, { strict: false }) };
    return { type, instance: null };
  }
}

/**
 * The value, if it is a class whose instances have `intercept()`; `source`
 * names where it was given, for the error.
 * @throws InvalidTaskInterceptorError
 */
export function assertInterceptorClass(value: unknown, source: string): Type<TaskInterceptor> {
  if (typeof value === 'function' && typeof (value.prototype as Partial<TaskInterceptor> | undefined)?.intercept === 'function') {
    return value as Type<TaskInterceptor>;
  }
  throw new InvalidTaskInterceptorError(source, describeValue(value));
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `${value.name || 'an anonymous function'} (it has no intercept() on its prototype)`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `an instance of ${name} (pass the class, not an instance)` : 'an object';
  }
  return `${typeof value} ${String(value)}`;
}
