import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue, currentTask } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { waitFor } from './support/wait-for.js';
import { byAnyName } from './support/by-any-name.js';

@Injectable()
class Slow {
  started = 0;
  finished = 0;
  abortedSignals = 0;

  @QueuedTask({ name: 'slow.work', maxAttempts: 3 })
  async work(ms: number): Promise<string> {
    this.started++;
    const { signal } = currentTask()!;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        this.abortedSignals++;
        clearTimeout(timer);
        resolve();
      });
    });
    if (signal.aborted) throw signal.reason;
    this.finished++;
    return 'done';
  }

  /** Ignores its signal, as careless handlers do. */
  @QueuedTask({ name: 'slow.stubborn' })
  async stubborn(ms: number): Promise<string> {
    this.started++;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'done';
  }
}

describe('graceful shutdown', () => {
  const { db, track } = useTestDatabase();
  // Tests here leave tasks pending on purpose; keep them out of the next test.
  beforeEach(() => db().query(`UPDATE queued_tasks.tasks SET state = 'cancelled' WHERE state = 'pending'`));

  it('app.close() waits for a running task to finish and records it', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Slow], worker: { shutdownTimeoutMs: 10_000 } }));
    const ref = await app.get(TaskQueue).add(Slow, 'work', [800]);
    const slow = app.get(Slow);
    await waitFor(() => slow.started === 1, 5_000, 'task start');
    const closing = Date.now();
    await app.close();
    expect(Date.now() - closing).toBeGreaterThanOrEqual(500);
    expect(slow.finished).toBe(1);
    const [row] = await db().query(`SELECT state, attempts, result FROM queued_tasks.tasks WHERE id = $1`, [ref.id]);
    expect(row).toEqual({ state: 'completed', attempts: 1, result: 'done' });
  });

  it('past shutdownTimeoutMs aborts the task through its signal and returns it to pending without spending the attempt', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Slow], worker: { shutdownTimeoutMs: 300 } }));
    const ref = await app.get(TaskQueue).add(Slow, 'work', [30_000]);
    const slow = app.get(Slow);
    await waitFor(() => slow.started === 1, 5_000, 'task start');
    const closing = Date.now();
    await app.close();
    const took = Date.now() - closing;
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(3_000);
    expect(slow.abortedSignals).toBe(1);
    const [row] = await db().query(
      `SELECT state, attempts, worker_id, errors FROM queued_tasks.tasks WHERE id = $1`,
      [ref.id],
    );
    expect(row).toEqual({ state: 'pending', attempts: 0, worker_id: null, errors: [] });

    // The next worker runs it as its first attempt.
    const next = track(await startTestApp({ url: db().url, providers: [Slow], worker: { shutdownTimeoutMs: 100 } }));
    await next.get(TaskQueue).add(Slow, 'work', [1]);
    await waitFor(async () => (await db().query(`SELECT 1 FROM queued_tasks.tasks WHERE id = $1 AND state = 'running'`, [ref.id])).length, 5_000, 'rerun');
    const [rerun] = await db().query(`SELECT attempts FROM queued_tasks.tasks WHERE id = $1`, [ref.id]);
    expect(rerun).toEqual({ attempts: 1 });
  });

  it('does not wait past the timeout for a handler that ignores its signal', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Slow], worker: { shutdownTimeoutMs: 200 } }));
    const ref = await app.get(TaskQueue).add(Slow, 'stubborn', [1_500]);
    await waitFor(() => app.get(Slow).started === 1, 5_000, 'task start');
    const closing = Date.now();
    await app.close();
    expect(Date.now() - closing).toBeLessThan(1_200);
    const [row] = await db().query(`SELECT state, attempts FROM queued_tasks.tasks WHERE id = $1`, [ref.id]);
    expect(row).toEqual({ state: 'pending', attempts: 0 });
    // Let the abandoned handler's own timer run out before the leak check.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  });

  it('puts prefetched tasks that never started back to pending at once', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Slow], worker: { concurrency: 1, prefetch: 5, shutdownTimeoutMs: 5_000 } }));
    const tasks = app.get(TaskQueue);
    const refs = await byAnyName(tasks).addMany(Array.from({ length: 4 }, () => ({ name: 'slow.work', args: [400] })));
    await waitFor(() => app.get(Slow).started === 1, 5_000, 'first task');
    await app.close();
    const rows = await db().query<{ state: string; attempts: number }>(
      `SELECT state, attempts FROM queued_tasks.tasks WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [refs.map((ref) => ref.id)],
    );
    expect(rows.filter((r) => r.state === 'completed')).toHaveLength(1);
    expect(rows.filter((r) => r.state === 'pending' && r.attempts === 0)).toHaveLength(3);
  });
});
