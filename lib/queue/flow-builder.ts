import type { AddTaskOptions } from '../interfaces/task-options.interface.js';
import type { MethodArgs, MethodNames, MethodResult, TaskArgsOf, TaskName, TaskResultOf } from '../interfaces/task-registry.interface.js';
import { FlowNode } from './flow-node.js';
import type { PreparedTask, UncheckedRequest } from './prepare-request.js';

type Class<T> = abstract new (...args: never[]) => T;

/**
 * Collects the tasks of one `TaskQueue.flow()`: each `add` is checked at
 * once (a bad request throws before anything is written) and returns a node
 * that later tasks of the flow may name in `dependsOn`. Nothing is written
 * until the builder function returns; then the whole graph is written in
 * one transaction, so no task of it runs before all of it exists.
 */
export class FlowBuilder {
  /** @internal */
  readonly tasks: PreparedTask[] = [];

  /** @internal */
  constructor(private readonly prepare: (request: UncheckedRequest, where: string, flow: object) => PreparedTask) {}

  /** Adds a call of a `@QueuedTask()` method to the flow (typed like `TaskQueue.add`). */
  add<T, K extends MethodNames<T>>(target: Class<T>, method: K, args: MethodArgs<T, K>, options?: AddTaskOptions): FlowNode<MethodResult<T, K>>;
  /** Adds a task by its registered name to the flow. */
  add<N extends TaskName>(name: N, args: TaskArgsOf<N>, options?: AddTaskOptions): FlowNode<TaskResultOf<N>>;
  add(...params: unknown[]): FlowNode<unknown> {
    const request: UncheckedRequest =
      typeof params[0] === 'string'
        ? { name: params[0], args: params[1] as unknown[], options: params[2] as AddTaskOptions | undefined }
        : { target: params[0] as Class<unknown>, method: params[1] as string, args: params[2] as unknown[], options: params[3] as AddTaskOptions | undefined };
    const index = this.tasks.length;
    const task = this.prepare(request, `flow task ${index}`, this);
    this.tasks.push(task);
    return new FlowNode(index, this, task.definition.name);
  }
}
