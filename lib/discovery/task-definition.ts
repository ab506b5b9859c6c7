import type { InjectionToken, Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { QueuedTaskOptions } from '../interfaces/task-options.interface.js';
import type { TaskInterceptor } from '../interfaces/task-interceptor.interface.js';

/** A discovered handler: what the worker calls and what `add` resolves names against. */
export interface TaskDefinition {
  name: string;
  /** The provider class that declares the handler. */
  target: abstract new (...args: never[]) => unknown;
  methodName: string;
  /** The singleton instance the worker calls the method on; null for a task-scoped provider (an instance per run). */
  instance: Record<string, (...args: unknown[]) => unknown> | null;
  options: QueuedTaskOptions;
  /**
   * What a run needs beyond `instance[methodName](...args)`: null for a
   * singleton without interceptors, which keeps the plain call (a fast drain
   * runs tens of thousands of tasks a second).
   */
  invocation: HandlerInvocation | null;
}

/** How a run reaches a handler that is task-scoped or intercepted (see worker/handler-invoker.ts). */
export interface HandlerInvocation {
  /** The container per-run instances are resolved from (the queue module's, searching every module). */
  moduleRef: ModuleRef;
  /** The handler's provider is request-scoped, durable or transient, or depends on one: an instance per run. */
  scoped: boolean;
  /** The token of the handler's provider (its class, unless it was provided as `{ provide, useClass }`). */
  token: InjectionToken;
  /** Outermost first: the module's, the class's, then the method's. */
  interceptors: readonly InterceptorBinding[];
  /** Some interceptor is resolved per run, in the run's scope. */
  scopedInterceptors: boolean;
}

/** One interceptor of a handler: its singleton, or its class when it is resolved per run. */
export type InterceptorBinding =
  | { type: Type<TaskInterceptor>; instance: TaskInterceptor }
  | { type: Type<TaskInterceptor>; instance: null };
