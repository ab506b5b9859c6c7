import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { validateDecoratorOptions } from '../config/validate-task-options.js';
import type { ResolvedQueuedTasksConfig } from '../config/resolved-config.js';
import { QUEUED_TASKS_CONFIG } from '../queued-tasks.constants.js';
import { InterceptorResolver } from './interceptor-resolver.js';
import type { HandlerInvocation, InterceptorBinding } from './task-definition.js';
import { providerMethods } from './provider-methods.js';
import { TaskMetadataAccessor } from './task-metadata.accessor.js';
import { TaskRegistry } from './task-registry.js';

type ProviderWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Finds every `@QueuedTask()` method among the application's providers and
 * fills the registry, with what each run needs: its interceptors resolved
 * through DI, and whether its provider is task-scoped. Run once, at
 * `onModuleInit` (see QueuedTasksLifecycle), before any worker starts.
 */
@Injectable()
export class TaskExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: TaskMetadataAccessor,
    private readonly registry: TaskRegistry,
    private readonly moduleRef: ModuleRef,
    @Inject(QUEUED_TASKS_CONFIG) private readonly config: ResolvedQueuedTasksConfig,
  ) {}

  /** @throws InvalidTaskOptionsError, DuplicateTaskNameError, InvalidTaskInterceptorError */
  async explore(): Promise<void> {
    const interceptors = new InterceptorResolver(this.moduleRef);
    const global = await interceptors.resolveAll(this.config.interceptors, (i) => `the module option interceptors[${i}]`);
    for (const { wrapper, metatype, methodName, method } of providerMethods(this.discovery, this.scanner)) {
      if (!this.metadata.isTaskHandler(method)) continue;
      const handler = method as (...args: never[]) => unknown;
      const options = this.metadata.getTaskOptions(handler);
      validateDecoratorOptions(options, `@QueuedTask() of ${metatype.name}.${methodName}`);
      const declared = this.metadata.getInterceptors(metatype, handler);
      const own = await interceptors.resolveAll([...declared.onClass, ...declared.onMethod], (i) =>
        i < declared.onClass.length
          ? `@UseTaskInterceptors() of class ${metatype.name} (interceptor ${i + 1})`
          : `@UseTaskInterceptors() of ${metatype.name}.${methodName} (interceptor ${i - declared.onClass.length + 1})`,
      );
      const scoped = isTaskScoped(wrapper);
      this.registry.register({
        name: options.name ?? `${metatype.name}.${methodName}`,
        target: metatype as abstract new (...args: never[]) => unknown,
        methodName,
        instance: scoped ? null : (wrapper.instance as Record<string, (...args: unknown[]) => unknown>),
        options,
        invocation: this.invocationOf(wrapper, scoped, [...global, ...own]),
      });
    }
    this.registry.seal();
  }

  private invocationOf(wrapper: ProviderWrapper, scoped: boolean, interceptors: InterceptorBinding[]): HandlerInvocation | null {
    if (!scoped && interceptors.length === 0) return null;
    return {
      moduleRef: this.moduleRef,
      scoped,
      token: wrapper.token,
      interceptors,
      scopedInterceptors: interceptors.some((binding) => binding.instance === null),
    };
  }
}

/** Request-scoped, durable or transient, or depending on such a provider: the container holds no singleton of it. */
function isTaskScoped(wrapper: ProviderWrapper): boolean {
  return !wrapper.isDependencyTreeStatic() || wrapper.isTransient;
}
