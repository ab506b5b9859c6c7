/**
 * Dependencies (issue 9): a child waits for all its parents (fan-in), in one
 * or several processes, is released in the transaction of the last parent's
 * completion, follows its onParentFailure when a parent fails or is
 * cancelled, down the whole graph; flows are written in one transaction.
 */
import { Injectable } from '@nestjs/common';
import {
  InvalidTaskOptionsError,
  NonRetryableError,
  ParentTaskNotFoundError,
  QueuedTask,
  TaskCancelledError,
  TaskFailedError,
  TaskQueue,
  currentTask,
  type ParentTaskInfo,
} from '../lib/index.js';
import { RecordedTasksProducer as RecordedTasks } from './fixtures/recorded-tasks.producer.js';
import { createExecutionsTable, executions } from './support/executions.js';
import { byAnyName } from './support/by-any-name.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { waitFor } from './support/wait-for.js';
import { startWorkerProcess } from './support/worker-process.js';

@Injectable()
class Graph {
  static seenParents: ParentTaskInfo[][] = [];
  static ran: string[] = [];

  @QueuedTask({ name: 'graph.value' })
  async value(value: string): Promise<string> {
    Graph.ran.push(value);
    return value;
  }

  @QueuedTask({ name: 'graph.boom' })
  async boom(): Promise<never> {
    throw new NonRetryableError('boom');
  }

  @QueuedTask({ name: 'graph.merge' })
  async merge(label: string): Promise<string> {
    Graph.ran.push(label);
    const task = currentTask()!;
    Graph.seenParents.push(await task.parents());
    const results = await task.parentResults<string[]>();
    return `${label}(${results.map((result) => result ?? '-').join(',')})`;
  }

  @QueuedTask({ name: 'graph.slow' })
  async slow(ms: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  }
}

describe('dependencies', () => {
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionsTable(db()));
  beforeEach(() => {
    Graph.seenParents = [];
    Graph.ran = [];
  });

  const rowOf = async (id: string) =>
    (await db().query<{ state: string; pending_parents: number; errors: { name: string; parentId?: string; parentState?: string }[] }>(
      `SELECT state, pending_parents, errors FROM queued_tasks.tasks WHERE id = $1`,
      [id],
    ))[0]!;
  const worker = async (concurrency = 10) => track(await startTestApp({ url: db().url, providers: [Graph, RecordedTasks], worker: { concurrency } })).get(TaskQueue);
  const producer = async () => track(await startTestApp({ url: db().url, providers: [Graph, RecordedTasks], worker: { enabled: false } })).get(TaskQueue);

  it('fans in 3 parents run by 2 worker processes: the child starts only after the last parent completed', async () => {
    const tasks = await producer();
    const workers = await Promise.all([startWorkerProcess({ url: db().url, concurrency: 1 }), startWorkerProcess({ url: db().url, concurrency: 1 })]);
    try {
      const parents = await Promise.all([300, 600, 900].map((ms) => tasks.add(RecordedTasks, 'sleep', [ms])));
      const child = await tasks.add(RecordedTasks, 'sleep', [0], { dependsOn: parents });
      expect((await rowOf(child.id)).state).toBe('blocked');
      await child.result({ timeoutMs: 20_000 });
      const runs = await executions(db());
      // Run by the worker processes (which of the two takes which parent is theirs to race for: a worker may claim ahead).
      const pids = new Set(workers.map((w) => w.pid));
      expect(runs.filter((run) => parents.some((p) => p.id === run.task_id) || run.task_id === child.id).every((run) => pids.has(run.pid))).toBe(true);
      const [{ last }] = await db().query<{ last: Date }>(`SELECT max(finished_at) AS last FROM queued_tasks.tasks WHERE id = ANY($1::bigint[])`, [parents.map((p) => p.id)]);
      const childRun = runs.find((run) => run.task_id === child.id)!;
      expect(childRun.started_at.getTime()).toBeGreaterThanOrEqual(last!.getTime());
      expect((await tasks.get(child.id)).parents).toEqual(parents.map((p) => p.id));
      expect((await tasks.get(parents[0]!.id)).children).toEqual([child.id]);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it("hands a child its parents' results in dependsOn order", async () => {
    const tasks = await worker();
    const b = await tasks.add(Graph, 'value', ['b']);
    const a = await tasks.add(Graph, 'value', ['a']);
    const merged = await tasks.add(Graph, 'merge', ['m'], { dependsOn: [b, a.id, b] });
    expect(await merged.result({ timeoutMs: 10_000 })).toBe('m(b,a)');
  });

  it.each([
    ['fail', 'failed'],
    ['cancel', 'cancelled'],
  ] as const)('onParentFailure %s: a failed parent ends the child %s without running it', async (policy, state) => {
    const tasks = await worker();
    const parent = await tasks.add(Graph, 'boom', []);
    const child = await tasks.add(Graph, 'merge', ['child'], { dependsOn: [parent], onParentFailure: policy });
    const outcome = await child.result({ timeoutMs: 10_000 }).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(policy === 'fail' ? TaskFailedError : TaskCancelledError);
    const row = await rowOf(child.id);
    expect(row.state).toBe(state);
    if (policy === 'fail') expect(row.errors).toEqual([expect.objectContaining({ name: 'ParentFailedError', parentId: parent.id, parentState: 'failed' })]);
    expect(Graph.ran).not.toContain('child');
  });

  it("onParentFailure run: the child runs anyway and parents() tells which failed", async () => {
    const tasks = await worker();
    const good = await tasks.add(Graph, 'value', ['ok']);
    const bad = await tasks.add(Graph, 'boom', []);
    const child = await tasks.add(Graph, 'merge', ['child'], { dependsOn: [good, bad], onParentFailure: 'run' });
    expect(await child.result({ timeoutMs: 10_000 })).toBe('child(ok,-)');
    expect(Graph.seenParents[0]!.map((p) => [p.id, p.state])).toEqual([
      [good.id, 'completed'],
      [bad.id, 'failed'],
    ]);
  });

  it('cascades down a 3-level graph, each level by its own policy', async () => {
    const tasks = await producer();
    const a = await tasks.add(Graph, 'boom', []);
    const b = await tasks.add(Graph, 'value', ['b'], { dependsOn: [a] });
    const c = await tasks.add(Graph, 'value', ['c'], { dependsOn: [b], onParentFailure: 'cancel' });
    const d = await tasks.add(Graph, 'value', ['d'], { dependsOn: [c], onParentFailure: 'run' });
    await worker();
    expect(await d.result({ timeoutMs: 10_000 })).toBe('d');
    expect([(await rowOf(b.id)).state, (await rowOf(c.id)).state]).toEqual(['failed', 'cancelled']);
    expect(Graph.ran).toEqual(['d']);
  });

  it('cancelling a parent releases its children per their policy', async () => {
    const tasks = await producer();
    const parent = await tasks.add(Graph, 'value', ['p'], { delayMs: 60_000 });
    const failing = await tasks.add(Graph, 'value', ['x'], { dependsOn: [parent] });
    const running = await tasks.add(Graph, 'value', ['y'], { dependsOn: [parent], onParentFailure: 'run' });
    expect(await parent.cancel()).toBe('cancelled');
    expect((await rowOf(failing.id)).errors).toEqual([expect.objectContaining({ name: 'ParentFailedError', parentState: 'cancelled' })]);
    expect((await rowOf(running.id)).state).toBe('pending');
  });

  it('resolves a child of finished parents at once', async () => {
    const tasks = await worker();
    const done = await tasks.add(Graph, 'value', ['done']);
    await done.result({ timeoutMs: 10_000 });
    const failed = await tasks.add(Graph, 'boom', []);
    await failed.result({ timeoutMs: 10_000 }).catch(() => undefined);
    const afterDone = await tasks.add(Graph, 'value', ['after'], { dependsOn: [done] });
    expect(await afterDone.result({ timeoutMs: 10_000 })).toBe('after');
    const afterFailed = await tasks.add(Graph, 'value', ['never'], { dependsOn: [done, failed] });
    expect((await rowOf(afterFailed.id)).state).toBe('failed');
  });

  it('refuses an unknown parent with ParentTaskNotFoundError and writes nothing', async () => {
    const tasks = await producer();
    const parent = await tasks.add(Graph, 'value', ['p'], { delayMs: 60_000 });
    const before = await db().query(`SELECT id, has_children FROM queued_tasks.tasks ORDER BY id`);
    const edgesBefore = await db().query(`SELECT * FROM queued_tasks.task_dependencies ORDER BY parent_id, child_id`);
    const error = await tasks.add(Graph, 'value', ['c'], { dependsOn: [parent, '987654321'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParentTaskNotFoundError);
    expect((error as ParentTaskNotFoundError).parentId).toBe('987654321');
    const inBatch = await byAnyName(tasks).addMany([{ name: 'graph.value', args: ['c'], options: { dependsOn: ['987654321'] } }]).catch((e: unknown) => e);
    expect(inBatch).toBeInstanceOf(ParentTaskNotFoundError);
    expect(await db().query(`SELECT id, has_children FROM queued_tasks.tasks ORDER BY id`)).toEqual(before);
    expect(await db().query(`SELECT * FROM queued_tasks.task_dependencies ORDER BY parent_id, child_id`)).toEqual(edgesBefore);
  });

  it('refuses a unique key together with dependsOn, writing nothing', async () => {
    const tasks = await producer();
    const parent = await tasks.add(Graph, 'value', ['p'], { delayMs: 60_000 });
    const error = await tasks.add(Graph, 'value', ['k'], { dependsOn: [parent], unique: { key: 'k' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTaskOptionsError);
    expect((await tasks.get(parent.id)).children).toEqual([]);
  });

  it('runs a 1,000-child fan-out from one parent', async () => {
    const tasks = await worker(20);
    const parent = await tasks.add(Graph, 'slow', [1_500]);
    const children = await byAnyName(tasks).addMany(Array.from({ length: 1_000 }, (_, i) => ({ name: 'graph.value', args: [`c${i}`], options: { dependsOn: [parent] } })));
    expect(Number((await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks WHERE id = ANY($1::bigint[]) AND state = 'blocked'`, [children.map((c) => c.id)]))[0]!.n)).toBe(1_000);
    await waitFor(
      async () =>
        Number((await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks WHERE id = ANY($1::bigint[]) AND state = 'completed'`, [children.map((c) => c.id)]))[0]!.n) === 1_000,
      30_000,
      'every child to complete',
    );
    expect(new Set(Graph.ran.filter((v) => v.startsWith('c'))).size).toBe(children.length);
  });

  it('never strands a child added while its parent completes (the lock race)', async () => {
    const tasks = await worker(20);
    const children: string[] = [];
    for (let round = 0; round < 40; round++) {
      const parent = await tasks.add(Graph, 'slow', [round % 5]);
      await new Promise((resolve) => setTimeout(resolve, round % 7));
      children.push((await tasks.add(Graph, 'value', [`r${round}`], { dependsOn: [parent] })).id);
    }
    await waitFor(
      async () =>
        Number((await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks WHERE id = ANY($1::bigint[]) AND state = 'completed'`, [children]))[0]!.n) ===
        children.length,
      20_000,
      'every child to complete',
    );
  });

  it('writes a flow in one transaction and returns the ref of the node the builder returns', async () => {
    const tasks = await worker();
    const merged = await tasks.flow((f) => {
      const parts = ['eu', 'us', 'apac'].map((region) => f.add(Graph, 'value', [region]));
      return f.add(Graph, 'merge', ['all'], { dependsOn: parts });
    });
    const result: string = await merged.result({ timeoutMs: 10_000 });
    expect(result).toBe('all(eu,us,apac)');
    // A bad request anywhere in the flow writes nothing of it.
    const count = async () => Number((await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks`))[0]!.n);
    const before = await count();
    await expect(
      tasks.flow((f) => {
        const a = f.add(Graph, 'value', ['x']);
        return f.add(Graph, 'merge', ['y'], { dependsOn: [a, '987654321'] });
      }),
    ).rejects.toBeInstanceOf(ParentTaskNotFoundError);
    expect(await count()).toBe(before);
  });
});
