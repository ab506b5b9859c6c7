import { MESSAGES } from '../errors/messages.js';
import type { OnParentFailure } from '../interfaces/task-options.interface.js';
import type { TaskState } from '../interfaces/task-info.interface.js';
import type { PlannedGraph, PlannedNode } from '../persistence/planned-graph.js';

/** A parent of a node: a stored task, or an earlier node of the same write. */
export type ParentRef = { kind: 'task'; id: string } | { kind: 'node'; index: number };

export interface GraphNode {
  parents: readonly ParentRef[];
  onParentFailure: OnParentFailure;
}

const ACTIVE: readonly TaskState[] = ['scheduled', 'pending', 'blocked', 'running'];

/**
 * Decides how each node of a write (one `add` with `dependsOn`, a batch, a
 * flow) starts, given its ids (allocated ahead) and the states of the stored
 * parents, read under their row locks. Nodes come in an order where parents
 * precede children (a flow can only name nodes it already made).
 *
 * A parent not finished yet counts in `pendingParents` (the node starts
 * `blocked`); a completed one counts as done; a failed or cancelled one ends
 * the node at once under 'fail' / 'cancel', and counts as done under 'run'.
 * The first such parent in `dependsOn` order is the one named. The same
 * rules as the database's `settle_children`, applied at insert.
 */
export function planGraph(nodes: readonly GraphNode[], ids: readonly string[], stored: ReadonlyMap<string, TaskState>): PlannedGraph {
  const planned: PlannedNode[] = [];
  const edges: PlannedGraph['edges'] = [];
  nodes.forEach((node, index) => {
    let pending = 0;
    let bad: { id: string; state: 'failed' | 'cancelled' } | null = null;
    node.parents.forEach((parent, position) => {
      const parentId = parent.kind === 'task' ? parent.id : ids[parent.index]!;
      const state = parent.kind === 'task' ? stored.get(parent.id)! : nodeState(planned[parent.index]!);
      if (parent.kind === 'node' && planned[parent.index]!.state !== 'failed' && planned[parent.index]!.state !== 'cancelled') {
        planned[parent.index]!.hasChildren = true;
      }
      edges.push({ parentId, childId: ids[index]!, position });
      if (ACTIVE.includes(state)) pending++;
      else if ((state === 'failed' || state === 'cancelled') && node.onParentFailure !== 'run') bad ??= { id: parentId, state };
    });
    if (bad !== null) {
      const { id, state } = bad;
      planned.push({
        state: node.onParentFailure === 'cancel' ? 'cancelled' : 'failed',
        pendingParents: 0,
        hasChildren: false,
        errors: node.onParentFailure === 'cancel' ? null : JSON.stringify([parentFailedEntry(id, state)]),
      });
    } else {
      planned.push({ state: pending > 0 ? 'blocked' : null, pendingParents: pending, hasChildren: false, errors: null });
    }
  });
  return { nodes: planned, edges };
}

/** The state a planned node stands for, as a parent of later nodes. */
function nodeState(node: PlannedNode): TaskState {
  return node.state ?? 'pending';
}

function parentFailedEntry(parentId: string, parentState: 'failed' | 'cancelled') {
  return {
    attempt: 0,
    name: 'ParentFailedError',
    message: MESSAGES.parentFailed(parentId, parentState),
    parentId,
    parentState,
    at: new Date().toISOString(),
  };
}
