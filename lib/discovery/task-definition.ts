import type { QueuedTaskOptions } from '../interfaces/task-options.interface.js';

/** A discovered handler: what the worker calls and what `add` resolves names against. */
export interface TaskDefinition {
  name: string;
  /** The provider class that declares the handler. */
  target: abstract new (...args: never[]) => unknown;
  methodName: string;
  /** The singleton instance the worker calls the method on. */
  instance: Record<string, (...args: unknown[]) => unknown>;
  options: QueuedTaskOptions;
}
