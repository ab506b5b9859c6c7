/** planGraph (pure): how each task of a write with dependencies starts. No database. */
import { planGraph, type GraphNode } from '../lib/queue/task-graph.js';

const task = (id: string) => ({ kind: 'task' as const, id });
const node = (index: number) => ({ kind: 'node' as const, index });

describe('planGraph', () => {
  const ids = ['101', '102', '103', '104'];

  it('blocks a node on unfinished parents and counts finished ones as done', () => {
    const nodes: GraphNode[] = [{ parents: [task('1'), task('2'), task('3')], onParentFailure: 'fail' }];
    const plan = planGraph(nodes, ids, new Map([['1', 'running'], ['2', 'completed'], ['3', 'scheduled']]));
    expect(plan.nodes).toEqual([{ state: 'blocked', pendingParents: 2, hasChildren: false, errors: null }]);
    expect(plan.edges).toEqual([
      { parentId: '1', childId: '101', position: 0 },
      { parentId: '2', childId: '101', position: 1 },
      { parentId: '3', childId: '101', position: 2 },
    ]);
  });

  it('applies each policy to a failed or cancelled parent, naming the first such parent', () => {
    const stored = new Map([['1', 'completed'], ['2', 'cancelled'], ['3', 'failed']] as const);
    const plan = planGraph(
      [
        { parents: [task('1'), task('2'), task('3')], onParentFailure: 'fail' },
        { parents: [task('3')], onParentFailure: 'cancel' },
        { parents: [task('3'), task('1')], onParentFailure: 'run' },
      ],
      ids,
      stored,
    );
    expect(plan.nodes.map((n) => n.state)).toEqual(['failed', 'cancelled', null]);
    expect(JSON.parse(plan.nodes[0]!.errors!)).toEqual([expect.objectContaining({ name: 'ParentFailedError', parentId: '2', parentState: 'cancelled', attempt: 0 })]);
    expect(plan.nodes[1]!.errors).toBeNull();
    expect(plan.nodes[2]).toEqual({ state: null, pendingParents: 0, hasChildren: false, errors: null });
  });

  it('marks nodes with children inside the write, and dooms descendants of a doomed node at once', () => {
    const plan = planGraph(
      [
        { parents: [], onParentFailure: 'fail' },
        { parents: [task('9')], onParentFailure: 'fail' },
        { parents: [node(0), node(1)], onParentFailure: 'fail' },
        { parents: [node(2)], onParentFailure: 'run' },
      ],
      ids,
      new Map([['9', 'failed']]),
    );
    expect(plan.nodes.map((n) => [n.state, n.pendingParents, n.hasChildren])).toEqual([
      [null, 0, true],
      ['failed', 0, false],
      ['failed', 0, false],
      [null, 0, false],
    ]);
    expect(plan.edges.filter((e) => e.childId === '103')).toEqual([
      { parentId: '101', childId: '103', position: 0 },
      { parentId: '102', childId: '103', position: 1 },
    ]);
  });
});
