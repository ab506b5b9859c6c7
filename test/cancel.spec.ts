/**
 * Cancel from any process, whatever the task's state (issue 9): waiting
 * tasks never run; a running one is aborted in the process that runs it and
 * ends `cancelled`, never retried; a dead worker's task is rescued as
 * `cancelled`; a lost NOTIFY only delays the abort until a heartbeat; and a
 * cancel racing with a completion has exactly one winner.
 */
import { Injectable } from '@nestjs/common';
import { InvalidTaskOptionsError, QueuedTask, SnoozeTask, TaskCancelledError, TaskNotFoundError, TaskQueue, currentTask } from '../lib/index.js';
import { RecordedTasksProducer as RecordedTasks } from './fixtures/recorded-tasks.producer.js';
import { createExecutionsTable, executions } from './support/executions.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { waitFor } from './support/wait-for.js';
import { startWorkerProcess } from './support/worker-process.js';

const LEASE_MS = 1_000;

/** Handlers of the in-process tests. */
@Injectable()
class Local {
  static seen: { id: string; reason: string }[] = [];
  static release: (() => void) | null = null;

  @QueuedTask({ name: 'local.quick' })
  async quick(value: number): Promise<number> {
    return value;
  }

  /** Waits for its signal; records its reason; rethrows it. */
  @QueuedTask({ name: 'local.wait', maxAttempts: 3 })
  async wait(): Promise<string> {
    const task = currentTask()!;
    return new Promise<string>((_, reject) => {
      task.signal.addEventListener('abort', () => {
        Local.seen.push({ id: task.id, reason: (task.signal.reason as Error).name });
        reject(task.signal.reason);
      });
    });
  }

  /** Ignores its signal and returns once released: the completion arrives after the cancel. */
  @QueuedTask({ name: 'local.stubborn' })
  async stubborn(): Promise<string> {
    await new Promise<void>((resolve) => (Local.release = resolve));
    return 'done anyway';
  }

  /** Ignores its signal, then asks to run again later: a snooze after a cancel request must not bring it back. */
  @QueuedTask({ name: 'local.snoozer' })
  async snoozer(): Promise<string> {
    await new Promise<void>((resolve) => (Local.release = resolve));
    throw new SnoozeTask(60_000);
  }

  /** A short run, for the race of cancels against completions. */
  @QueuedTask({ name: 'local.brief' })
  async brief(ms: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  }
}

describe('cancel', () => {
  const { db, track } = useTestDatabase();
  beforeAll(() => createExecutionsTable(db()));
  beforeEach(() => {
    Local.seen = [];
    Local.release = null;
  });

  const stateOf = async (id: string) =>
    (await db().query<{ state: string; attempts: number; result: unknown }>(`SELECT state, attempts, result FROM queued_tasks.tasks WHERE id = $1`, [id]))[0]!;
  const producer = async () => track(await startTestApp({ url: db().url, providers: [Local, RecordedTasks], worker: { enabled: false } })).get(TaskQueue);

  it('cancels pending and scheduled tasks at once: they never run, result() rejects with TaskCancelledError', async () => {
    const tasks = await producer();
    const pending = await tasks.add(Local, 'quick', [1]);
    const scheduled = await tasks.add(Local, 'quick', [2], { delayMs: 60_000 });
    expect(await tasks.cancel(pending.id)).toBe('cancelled');
    expect(await scheduled.cancel()).toBe('cancelled');
    expect(await tasks.cancel(pending.id)).toBe('finished');
    await expect(pending.result({ timeoutMs: 5_000 })).rejects.toBeInstanceOf(TaskCancelledError);
    // A worker started now finds nothing to run.
    const worker = track(await startTestApp({ url: db().url, providers: [Local, RecordedTasks] }));
    const after = await worker.get(TaskQueue).add(Local, 'quick', [3]);
    expect(await after.result({ timeoutMs: 10_000 })).toBe(3);
    expect(await stateOf(pending.id)).toMatchObject({ state: 'cancelled', attempts: 0 });
    expect(await stateOf(scheduled.id)).toMatchObject({ state: 'cancelled', attempts: 0 });
  });

  it('names an unknown id with TaskNotFoundError and cancels nothing of the batch', async () => {
    const tasks = await producer();
    const ref = await tasks.add(Local, 'quick', [1]);
    await expect(tasks.cancel('987654321')).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(tasks.cancelMany([ref.id, '987654321'])).rejects.toThrow(/987654321/);
    expect((await stateOf(ref.id)).state).toBe('pending');
    await expect(tasks.cancel('not-an-id')).rejects.toBeInstanceOf(TaskNotFoundError);
    expect(await tasks.cancelMany([ref.id])).toEqual([{ id: ref.id, outcome: 'cancelled' }]);
  });

  it('aborts a running task in the process that runs it; it ends cancelled and is never retried', async () => {
    const tasks = await producer();
    const worker = await startWorkerProcess({ url: db().url, leaseMs: 10_000 });
    try {
      const ref = await tasks.add(RecordedTasks, 'cancellable', [60_000]);
      await waitFor(async () => (await executions(db())).some((e) => e.task_id === ref.id), 10_000, 'the task to start in the worker process');
      expect(await tasks.cancel(ref.id)).toBe('requested');
      await expect(ref.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(TaskCancelledError);
      const runs = (await db().query<{ note: string | null; pid: number }>(`SELECT note, pid FROM public.executions WHERE task_id = $1`, [ref.id]));
      expect(runs).toEqual([{ note: 'TaskCancelledError', pid: worker.pid }]);
      expect(await stateOf(ref.id)).toMatchObject({ state: 'cancelled', attempts: 1 });
      // Never retried: a second after, still one run.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await executions(db())).filter((e) => e.task_id === ref.id)).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  });

  it('rescues the task of a SIGKILLed worker as cancelled, not pending', async () => {
    const tasks = await producer();
    const victim = await startWorkerProcess({ url: db().url, leaseMs: LEASE_MS });
    const ref = await tasks.add(RecordedTasks, 'cancellable', [60_000]);
    await waitFor(async () => (await executions(db())).some((e) => e.task_id === ref.id), 10_000, 'the task to start in the victim');
    await victim.kill('SIGKILL');
    expect(await tasks.cancel(ref.id)).toBe('requested');
    // A live worker elsewhere runs maintenance: it rescues the dead worker's task.
    const rescuer = await startWorkerProcess({ url: db().url, leaseMs: LEASE_MS });
    try {
      await expect(ref.result({ timeoutMs: 15_000 })).rejects.toBeInstanceOf(TaskCancelledError);
      expect((await stateOf(ref.id)).state).toBe('cancelled');
      expect((await executions(db())).filter((e) => e.task_id === ref.id)).toHaveLength(1);
    } finally {
      await rescuer.stop();
    }
  });

  it('aborts a running task whose cancel NOTIFY was lost, at the worker\'s next heartbeat', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Local], worker: { leaseMs: 2_000, heartbeatIntervalMs: 200 } }));
    const ref = await app.get(TaskQueue).add(Local, 'wait', []);
    await waitFor(async () => (await stateOf(ref.id)).state === 'running', 10_000, 'the task to run');
    // The request stored in the row, with no notification at all.
    await db().query(`UPDATE queued_tasks.tasks SET cancel_requested_at = now() WHERE id = $1`, [ref.id]);
    await expect(ref.result({ timeoutMs: 5_000 })).rejects.toBeInstanceOf(TaskCancelledError);
    expect(Local.seen).toEqual([{ id: ref.id, reason: 'TaskCancelledError' }]);
    expect(await stateOf(ref.id)).toMatchObject({ state: 'cancelled', attempts: 1 });
  });

  it('cancels by name or queue in one statement, waiting tasks at once and running ones by request', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Local] }));
    const tasks = app.get(TaskQueue);
    const running = await tasks.add(Local, 'wait', []);
    await waitFor(async () => (await stateOf(running.id)).state === 'running', 10_000, 'the task to run');
    const waiting = await Promise.all([1, 2, 3].map(() => tasks.add(Local, 'wait', [], { delayMs: 60_000 })));
    const other = await tasks.add(Local, 'quick', [1], { delayMs: 60_000 });
    expect(await tasks.cancelWhere({ name: 'local.wait' })).toEqual({ cancelled: 3, requested: 1 });
    await expect(running.result({ timeoutMs: 5_000 })).rejects.toBeInstanceOf(TaskCancelledError);
    for (const ref of waiting) expect((await stateOf(ref.id)).state).toBe('cancelled');
    expect((await stateOf(other.id)).state).toBe('scheduled');
    expect(await tasks.cancelWhere({ queue: 'default', states: ['pending'] })).toEqual({ cancelled: 0, requested: 0 });
    await expect(tasks.cancelWhere({})).rejects.toBeInstanceOf(InvalidTaskOptionsError);
    await expect(tasks.cancelWhere({ name: 'local.quick', states: [] })).rejects.toBeInstanceOf(InvalidTaskOptionsError);
  });

  it('leaves a finished task alone', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Local] }));
    const ref = await app.get(TaskQueue).add(Local, 'quick', [7]);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe(7);
    expect(await ref.cancel()).toBe('finished');
    expect(await stateOf(ref.id)).toMatchObject({ state: 'completed', result: 7 });
  });

  it('a cancel recorded before the completion wins: the task ends cancelled and its result is discarded', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Local] }));
    const ref = await app.get(TaskQueue).add(Local, 'stubborn', []);
    await waitFor(async () => Local.release !== null, 10_000, 'the handler to start');
    expect(await ref.cancel()).toBe('requested');
    Local.release!();
    await expect(ref.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(TaskCancelledError);
    expect(await stateOf(ref.id)).toMatchObject({ state: 'cancelled', result: null });
  });

  it('ends cancelled a task whose handler snoozes after its cancel was requested', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Local] }));
    const ref = await app.get(TaskQueue).add(Local, 'snoozer', []);
    await waitFor(async () => Local.release !== null, 10_000, 'the handler to start');
    expect(await ref.cancel()).toBe('requested');
    Local.release!();
    await expect(ref.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(TaskCancelledError);
    expect((await stateOf(ref.id)).state).toBe('cancelled');
  });

  it('has exactly one winner when cancels race with completions', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Local], worker: { concurrency: 20 } }));
    const tasks = app.get(TaskQueue);
    const refs = await Promise.all(Array.from({ length: 200 }, (_, i) => tasks.add(Local, 'brief', [(i % 7) * 20])));
    const outcomes = new Map<string, string>();
    // Newest first: those are still queued when the cancels begin, the oldest long finished by the end,
    // and the ones in between race (each task runs 0–120 ms, 20 at a time).
    for (const ref of [...refs].reverse()) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.5 ? 0 : 1));
      outcomes.set(ref.id, await ref.cancel());
    }
    await waitFor(
      async () =>
        Number(
          (await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks WHERE id = ANY($1::bigint[]) AND state NOT IN ('completed', 'cancelled')`, [refs.map((r) => r.id)]))[0]!.n,
        ) === 0,
      20_000,
      'every task to end',
    );
    const rows = await db().query<{ id: string; state: string }>(`SELECT id::text, state FROM queued_tasks.tasks WHERE id = ANY($1::bigint[])`, [refs.map((r) => r.id)]);
    const wrong = rows.filter((row) => (outcomes.get(row.id) === 'finished') !== (row.state === 'completed'));
    expect(wrong).toEqual([]);
    // Both orders happened.
    expect(new Set(rows.map((row) => row.state))).toEqual(new Set(['completed', 'cancelled']));
  });
});
