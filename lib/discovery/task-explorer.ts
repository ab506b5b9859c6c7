import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { validateDecoratorOptions } from '../config/validate-task-options.js';
import { ScopedTaskHandlerError } from '../errors/scoped-task-handler.error.js';
import { TaskMetadataAccessor } from './task-metadata.accessor.js';
import { TaskRegistry } from './task-registry.js';

/**
 * Finds every `@QueuedTask()` method among the application's providers and
 * fills the registry. Run once, at `onModuleInit` (see QueuedTasksLifecycle),
 * before any worker starts.
 */
@Injectable()
export class TaskExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: TaskMetadataAccessor,
    private readonly registry: TaskRegistry,
  ) {}

  /** @throws InvalidTaskOptionsError, DuplicateTaskNameError, ScopedTaskHandlerError */
  explore(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const metatype = wrapper.metatype;
      if (!metatype || typeof metatype !== 'function' || !metatype.prototype) continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        if (!this.metadata.isTaskHandler(method)) continue;
        // A request- or transient-scoped provider has no instance a worker could call.
        if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
          throw new ScopedTaskHandlerError(metatype.name, methodName);
        }
        const options = this.metadata.getTaskOptions(method as (...args: never[]) => unknown);
        validateDecoratorOptions(options, `@QueuedTask() of ${metatype.name}.${methodName}`);
        this.registry.register({
          name: options.name ?? `${metatype.name}.${methodName}`,
          target: metatype as abstract new (...args: never[]) => unknown,
          methodName,
          instance: wrapper.instance as Record<string, (...args: unknown[]) => unknown>,
          options,
        });
      }
    }
    this.registry.seal();
  }
}
