import { InvalidTaskOptionsError } from '../errors/invalid-task-options.error.js';
import type { AddTaskOptions, TaskDependency } from '../interfaces/task-options.interface.js';
import { FlowNode } from './flow-node.js';
import type { ParentRef } from './task-graph.js';

/**
 * The parents of a call (`dependsOn`, already validated for shape) as refs
 * to stored tasks or to nodes of `flow` (the flow being built, if any),
 * each once, in the order first named. A node of another flow, or one used
 * outside a flow, is refused: its task does not exist yet.
 */
export function resolveParents(options: AddTaskOptions | undefined, where: string, flow: object | null = null): ParentRef[] {
  const seen = new Set<string>();
  const parents: ParentRef[] = [];
  (options?.dependsOn ?? []).forEach((parent: TaskDependency, index) => {
    const ref = toParentRef(parent, flow, `dependsOn[${index}]`, where);
    const key = ref.kind === 'task' ? `t${ref.id}` : `n${ref.index}`;
    if (seen.has(key)) return;
    seen.add(key);
    parents.push(ref);
  });
  return parents;
}

function toParentRef(parent: TaskDependency, flow: object | null, option: string, where: string): ParentRef {
  if (typeof parent === 'string') return { kind: 'task', id: parent };
  if (parent instanceof FlowNode) {
    if (parent.flow !== flow) {
      throw new InvalidTaskOptionsError(option, 'is a task of another flow (or used outside its flow): depend on it inside the same flow() call', where);
    }
    return { kind: 'node', index: parent.flowNode };
  }
  if ('flowNode' in parent) throw new InvalidTaskOptionsError(option, 'is not a node made by this flow', where);
  return { kind: 'task', id: parent.id };
}
