import { Injectable } from '@nestjs/common';
import { DuplicateTaskNameError } from '../errors/duplicate-task-name.error.js';
import { QueuedTasksNotReadyError } from '../errors/queued-tasks-not-ready.error.js';
import { TaskNotRegisteredError } from '../errors/task-not-registered.error.js';
import { UnknownTaskError } from '../errors/unknown-task.error.js';
import type { TaskDefinition } from './task-definition.js';

/** Discovered handlers of this application, by name and by class + method. DI-scoped, not process-global. */
@Injectable()
export class TaskRegistry {
  private readonly byName = new Map<string, TaskDefinition>();
  private readonly byTarget = new Map<unknown, Map<string, TaskDefinition>>();
  private sealed = false;

  register(definition: TaskDefinition): void {
    const existing = this.byName.get(definition.name);
    // The same class listed in two modules is two instances of one handler, not a conflict.
    if (existing && existing.target === definition.target && existing.methodName === definition.methodName) return;
    if (existing) {
      throw new DuplicateTaskNameError(definition.name, describe(existing), describe(definition));
    }
    this.byName.set(definition.name, definition);
    let methods = this.byTarget.get(definition.target);
    if (!methods) this.byTarget.set(definition.target, (methods = new Map()));
    methods.set(definition.methodName, definition);
  }

  /** Discovery is over: every handler of the application is registered. */
  seal(): void {
    this.sealed = true;
  }

  /** @throws UnknownTaskError, QueuedTasksNotReadyError */
  getByName(name: string): TaskDefinition {
    this.assertSealed();
    const definition = this.byName.get(name);
    if (!definition) throw new UnknownTaskError(name);
    return definition;
  }

  findByName(name: string): TaskDefinition | undefined {
    return this.byName.get(name);
  }

  /** @throws TaskNotRegisteredError, QueuedTasksNotReadyError */
  getByMethod(target: abstract new (...args: never[]) => unknown, methodName: string): TaskDefinition {
    this.assertSealed();
    const definition = this.byTarget.get(target)?.get(methodName);
    if (!definition) throw new TaskNotRegisteredError(target?.name ?? String(target), String(methodName));
    return definition;
  }

  /** Before discovery, no name is known yet: saying a task is not registered would mislead. */
  private assertSealed(): void {
    if (!this.sealed) throw new QueuedTasksNotReadyError();
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  all(): TaskDefinition[] {
    return [...this.byName.values()];
  }
}

function describe(definition: TaskDefinition): string {
  return `${definition.target.name}.${definition.methodName}`;
}
