import { ContextIdFactory, type ContextId } from '@nestjs/core';
import type { Type } from '@nestjs/common';
import type { TaskContext } from '../context/task-context.js';
import type { HandlerInvocation, TaskDefinition } from '../discovery/task-definition.js';
import type { TaskCallHandler, TaskExecutionContext, TaskInterceptor } from '../interfaces/task-interceptor.interface.js';

type Handler = (...args: unknown[]) => unknown;

/**
 * Calls a run's handler: directly for a singleton without interceptors (no
 * promise, closure nor lookup added to a fast drain), else through
 * {@link invokeIntercepted}. Called inside the run's task context, so that
 * `currentTask()` (and TASK_CONTEXT) see it while instances are resolved.
 */
export function invokeHandler(definition: TaskDefinition, task: TaskContext, args: unknown[]): unknown {
  const invocation = definition.invocation;
  if (invocation === null) return definition.instance![definition.methodName]!.apply(definition.instance, args);
  return invokeIntercepted(definition, invocation, task, args);
}

/**
 * A run of a task-scoped or intercepted handler. Task-scoped instances (the
 * handler's provider, request-scoped interceptors) are resolved in a
 * ContextId of the run's own, obtained through `ContextIdFactory` with the
 * task context as the request: an app's `ContextIdStrategy` applies (durable
 * providers), and `REQUEST` is the task context too (or the strategy's
 * payload in a durable tree). Nothing keeps the ContextId after the run, so
 * the instances made for it go with it.
 */
async function invokeIntercepted(definition: TaskDefinition, invocation: HandlerInvocation, task: TaskContext, args: unknown[]): Promise<unknown> {
  const { moduleRef } = invocation;
  let contextId: ContextId | undefined;
  if (invocation.scoped || invocation.scopedInterceptors) {
    contextId = ContextIdFactory.getByRequest(task);
    moduleRef.registerRequestByContextId(task, contextId);
  }
  const instance = invocation.scoped
    ? await moduleRef.resolve<Record<string, Handler>>(invocation.token as string | symbol | Type, contextId, { strict: false })
    : definition.instance!;
  const interceptors = invocation.scopedInterceptors
    ? await Promise.all(
        invocation.interceptors.map((binding) => binding.instance ?? moduleRef.resolve<TaskInterceptor>(binding.type, contextId, { strict: false })),
      )
    : (invocation.interceptors.map((binding) => binding.instance) as TaskInterceptor[]);
  const method = instance[definition.methodName]!;
  if (interceptors.length === 0) return method.apply(instance, args);
  const execution = new TaskExecution(task, args, definition.target as Type, method, definition.methodName);
  return new InterceptorChain(interceptors, execution, () => method.apply(instance, args)).handleFrom(0);
}

/** The interceptors of one run, and the handler at their centre. */
class InterceptorChain {
  constructor(
    private readonly interceptors: readonly TaskInterceptor[],
    private readonly execution: TaskExecution,
    private readonly handler: () => unknown,
  ) {}

  /** Never throws synchronously: whatever a step throws becomes the rejection an outer interceptor awaits. */
  async handleFrom(index: number): Promise<unknown> {
    if (index === this.interceptors.length) return this.handler();
    const next: TaskCallHandler = { handle: () => this.handleFrom(index + 1) };
    return this.interceptors[index]!.intercept(this.execution, next);
  }
}

class TaskExecution implements TaskExecutionContext {
  constructor(
    readonly task: TaskContext,
    readonly args: readonly unknown[],
    private readonly target: Type,
    private readonly handler: Handler,
    readonly methodName: string,
  ) {}

  getClass<T = unknown>(): Type<T> {
    return this.target as Type<T>;
  }

  getHandler(): (...args: never[]) => unknown {
    return this.handler;
  }
}
