/** How one task of a write with dependencies starts (planned by planGraph, lib/queue/task-graph.ts). */
export interface PlannedNode {
  /** Its state when not simply due by its run time (null: scheduled or pending). */
  state: 'blocked' | 'failed' | 'cancelled' | null;
  /** Parents not finished yet. */
  pendingParents: number;
  /** Some later node waits for it. */
  hasChildren: boolean;
  /** History entries (JSON array text), for a child doomed at once. */
  errors: string | null;
}

/** A write with dependencies: its tasks in order, and their edges. */
export interface PlannedGraph {
  nodes: PlannedNode[];
  /** One edge per parent of each node, `position` its place in `dependsOn`. */
  edges: { parentId: string; childId: string; position: number }[];
}
