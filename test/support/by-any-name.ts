import type { AddTaskOptions, EnqueueManyOptions, TaskQueue, TaskRef } from '../../lib/index.js';

/** A request of {@link UncheckedNames.addMany}: any name, any arguments. */
export type AnyNameRequest =
  | { name: string; args: readonly unknown[]; options?: AddTaskOptions }
  | { target: abstract new (...args: never[]) => unknown; method: string; args: readonly unknown[]; options?: AddTaskOptions };

/** TaskQueue's enqueue-by-name methods without their compile-time name and argument checks. */
export interface UncheckedNames {
  add(name: string, args: readonly unknown[], options?: AddTaskOptions): Promise<TaskRef<unknown>>;
  addMany(requests: readonly AnyNameRequest[], options?: EnqueueManyOptions): Promise<TaskRef<unknown>[]>;
}

/**
 * The same queue, for enqueueing by a name the specs' own handlers register.
 *
 * Every file under test/ is one TypeScript program, so the names that
 * test/types declares in `QueuedTasksRegistry` are the only ones `add(name)`
 * and `addMany` accept anywhere in it (as in an application that declares
 * its names). The e2e specs are many small applications in that one
 * program, each with its own handlers and undeclared names, and some feed
 * wrong names or values on purpose to prove the run-time checks: they go
 * through this view, whose calls are TaskQueue's own.
 */
export function byAnyName(tasks: TaskQueue): UncheckedNames {
  // Only the static types differ: the overloads' implementation takes exactly these calls.
  return tasks as unknown as UncheckedNames;
}
