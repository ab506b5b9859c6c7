/**
 * Snooze (issue 9): a handler throws `SnoozeTask` to run again after a delay
 * without spending an attempt. Times are read on the database's clock, as
 * the snooze itself measures its delay.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { QUEUED_TASKS_DATA_SOURCE, QueuedTask, SnoozeTask, TaskFailedError, TaskQueue, currentTask } from '../lib/index.js';
import { queueTables } from '../lib/persistence/queue-tables.js';
import { snoozeTaskStatement } from '../lib/persistence/sql/snooze-task.sql.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';

/** One handler run: its attempt number and when it started, on the database's clock (epoch ms). */
interface Run {
  attempt: number;
  dbStart: number;
}

@Injectable()
class Snoozer {
  static readonly runs = new Map<string, Run[]>();
  /** The lease test: when the stale run snoozed, and the runs after it (database clock, epoch ms). */
  static staleSnoozeAt: number | null = null;
  static readonly laterRuns: { start: number; end: number | null }[] = [];

  constructor(@Inject(QUEUED_TASKS_DATA_SOURCE) private readonly dataSource: DataSource) {}

  private async dbNow(): Promise<number> {
    const [row] = (await this.dataSource.query('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now')) as { now: number }[];
    return row!.now;
  }

  /** Records this run; @returns its number (1 for the first run of the task). */
  private async record(): Promise<number> {
    const { id, attempt } = currentTask()!;
    const runs = Snoozer.runs.get(id) ?? [];
    Snoozer.runs.set(id, runs);
    runs.push({ attempt, dbStart: await this.dbNow() });
    return runs.length;
  }

  @QueuedTask({ name: 'snooze.twice', maxAttempts: 1 })
  async twice(delayMs: number): Promise<string> {
    if ((await this.record()) <= 2) throw new SnoozeTask(delayMs);
    return 'done';
  }

  @QueuedTask({ name: 'snooze.between-failures', maxAttempts: 2, backoff: { type: 'fixed', delayMs: 50, jitter: false } })
  async betweenFailures(): Promise<never> {
    const run = await this.record();
    if (run === 2) throw new SnoozeTask(50);
    throw new Error(`run ${run} failed`);
  }

  /** Builds a snooze with a bad delay (named: Infinity is no JSON argument). */
  @QueuedTask({ name: 'snooze.bad', maxAttempts: 1 })
  async bad(delay: 'negative' | 'infinite' | 'fractional'): Promise<never> {
    throw new SnoozeTask({ negative: -1, infinite: Number.POSITIVE_INFINITY, fractional: 0.5 }[delay]);
  }

  /** Its first run ignores its signal and snoozes late, after its worker lost the task. */
  @QueuedTask({ name: 'snooze.stale', maxAttempts: 5 })
  async stale(): Promise<string> {
    if ((await this.record()) === 1) {
      await sleep(2_000);
      Snoozer.staleSnoozeAt = await this.dbNow();
      throw new SnoozeTask(60_000);
    }
    const run = { start: await this.dbNow(), end: null as number | null };
    Snoozer.laterRuns.push(run);
    await sleep(3_000);
    run.end = await this.dbNow();
    return 'a later run';
  }
}

/** Long enough that a task picked up on time cannot have been found by polling. */
const SLOW_POLL_MS = 60_000;

describe('snooze', () => {
  const { db, track } = useTestDatabase();

  async function app(worker = {}) {
    return track(await startTestApp({ url: db().url, providers: [Snoozer], worker: { pollIntervalMs: SLOW_POLL_MS, ...worker } }));
  }

  it('keeps attempts unchanged: a task with maxAttempts 1 snoozes twice, runs again after each delay, and completes', async () => {
    const nest = await app();
    const ref = await nest.get(TaskQueue).add(Snoozer, 'twice', [400]);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe('done');

    const info = await ref.info();
    expect(info).toMatchObject({ state: 'completed', attempts: 1, maxAttempts: 1, errors: [] });
    expect(info.snoozes).toEqual([
      { attempt: 1, delayMs: 400, at: expect.any(String), runAt: expect.any(String) },
      { attempt: 1, delayMs: 400, at: expect.any(String), runAt: expect.any(String) },
    ]);
    const runs = Snoozer.runs.get(ref.id)!;
    expect(runs.map((run) => run.attempt)).toEqual([1, 1, 1]);
    info.snoozes.forEach((snooze, i) => {
      expect(Date.parse(snooze.runAt) - Date.parse(snooze.at)).toBe(400);
      // No sooner than the delay, and on time: woken by the snooze's own run time, not by the poll.
      const late = runs[i + 1]!.dbStart - Date.parse(snooze.runAt);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(500);
      expect(runs[i + 1]!.dbStart - runs[i]!.dbStart).toBeGreaterThanOrEqual(400);
    });
  });

  it('runs again at once after a snooze of 0', async () => {
    const nest = await app();
    const ref = await nest.get(TaskQueue).add(Snoozer, 'twice', [0]);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe('done');
    const runs = Snoozer.runs.get(ref.id)!;
    expect(runs).toHaveLength(3);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.dbStart - runs[i - 1]!.dbStart).toBeLessThan(250);
    const info = await ref.info();
    expect(info).toMatchObject({ state: 'completed', attempts: 1, errors: [] });
    expect(info.snoozes.map((snooze) => [snooze.attempt, snooze.delayMs])).toEqual([[1, 0], [1, 0]]);
  });

  it('gives a snooze on the last attempt that whole attempt back; the failures around it are counted, the snooze is not', async () => {
    const nest = await app();
    const ref = await nest.get(TaskQueue).add(Snoozer, 'betweenFailures', []);
    const failure = (await ref.result({ timeoutMs: 10_000 }).catch((error: unknown) => error)) as TaskFailedError;
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect(failure.errors.map((e) => [e.attempt, e.name, e.message])).toEqual([
      [1, 'Error', 'run 1 failed'],
      [2, 'Error', 'run 3 failed'],
    ]);
    expect(Snoozer.runs.get(ref.id)!.map((run) => run.attempt)).toEqual([1, 2, 2]);
    const info = await ref.info();
    expect(info).toMatchObject({ state: 'failed', attempts: 2, maxAttempts: 2 });
    expect(info.errors).toHaveLength(2);
    expect(info.snoozes).toEqual([{ attempt: 2, delayMs: 50, at: expect.any(String), runAt: expect.any(String) }]);
    // The stored history keeps the order of what happened.
    const [row] = await db().query<{ errors: { name: string; kind?: string }[] }>(`SELECT errors FROM queued_tasks.tasks WHERE id = $1`, [ref.id]);
    expect(row!.errors.map((entry) => entry.kind ?? entry.name)).toEqual(['Error', 'snooze', 'Error']);
  });

  it('fails the attempt with InvalidTaskOptionsError when the handler builds a snooze with a bad delay, and writes no snooze', async () => {
    const nest = await app();
    const tasks = nest.get(TaskQueue);
    for (const delay of ['negative', 'infinite', 'fractional'] as const) {
      const ref = await tasks.add(Snoozer, 'bad', [delay]);
      await expect(ref.result({ timeoutMs: 10_000 })).rejects.toThrow(TaskFailedError);
      const info = await ref.info();
      expect(info).toMatchObject({ state: 'failed', attempts: 1, snoozes: [] });
      expect(info.errors).toEqual([
        expect.objectContaining({ attempt: 1, name: 'InvalidTaskOptionsError', message: expect.stringContaining('"delayMs" in new SnoozeTask()') }),
      ]);
    }
  });

  it('a snooze from a worker that lost the task changes nothing', async () => {
    const nest = await app({ leaseMs: 1_000, heartbeatIntervalMs: 100, rescueIntervalMs: 100 });
    const ref = await nest.get(TaskQueue).add(Snoozer, 'stale', []);
    await waitFor(
      async () => (await db().query(`SELECT 1 FROM queued_tasks.tasks WHERE id = $1 AND started_at IS NOT NULL`, [ref.id])).length > 0,
      5_000,
      'the first run to have its start recorded',
    );
    // The worker is presumed dead: it fences itself, and its task is rescued and run again. (The
    // rescue may come before the fence, so the old incarnation can claim the task once more
    // and lose it too: a second rescue, and a third run.)
    await db().query(`DELETE FROM queued_tasks.workers`);
    expect(await ref.result({ timeoutMs: 20_000 })).toBe('a later run');

    // The stale snooze was sent while a later run held the row, and changed nothing.
    const staleAt = Snoozer.staleSnoozeAt!;
    expect(Snoozer.laterRuns.some((run) => run.start < staleAt && staleAt < run.end!)).toBe(true);
    const info = await ref.info();
    expect(info).toMatchObject({ state: 'completed', snoozes: [] });
    expect(info.errors.length).toBeGreaterThanOrEqual(1);
    expect(info.errors.every((e) => e.name === 'WorkerLostError')).toBe(true);
    expect(info.attempts).toBe(info.errors.length + 1);
  });

  describe('the statement', () => {
    const WORKER = '00000000-0000-0000-0000-00000000500e';
    const statement = snoozeTaskStatement(queueTables('queued_tasks'));

    /** Claims task `id` for WORKER as the claim does; @returns the attempt and the run time the claim returns. */
    async function claim(id: string): Promise<{ attempts: number; run_at_ms: number }> {
      const [row] = await db().query<{ attempts: number; run_at_ms: number }>(
        `UPDATE queued_tasks.tasks SET state = 'running', worker_id = $2, attempts = attempts + 1, started_at = NULL
         WHERE id = $1 AND state = 'pending' AND run_at <= now()
         RETURNING attempts, (extract(epoch FROM run_at) * 1000)::float8 AS run_at_ms`,
        [id, WORKER],
      );
      return row!;
    }

    function snooze(id: string, worker: string, claimed: { attempts: number; run_at_ms: number }, delayMs: number) {
      return db().query<{ state: string }>(statement.text, [id, worker, claimed.attempts, 'queued_tasks_events', delayMs, claimed.run_at_ms, 'snoozed']);
    }

    async function row(id: string) {
      const [found] = await db().query<{ state: string; attempts: number; worker_id: string | null; snoozes: number }>(
        `SELECT state, attempts, worker_id, jsonb_array_length(errors) AS snoozes FROM queued_tasks.tasks WHERE id = $1`,
        [id],
      );
      return found!;
    }

    it('schedules after a delay, makes pending at once for 0, and refuses another worker or a re-claim of the same attempt', async () => {
      const [{ id }] = (await db().query<{ id: string }>(
        `INSERT INTO queued_tasks.tasks (name, state) VALUES ('snooze.twice', 'pending') RETURNING id::text`,
      )) as [{ id: string }];

      const first = await claim(id);
      expect(await snooze(id, '00000000-0000-0000-0000-0000000000ff', first, 0)).toEqual([]);
      expect(await row(id)).toEqual({ state: 'running', attempts: 1, worker_id: WORKER, snoozes: 0 });

      expect(await snooze(id, WORKER, first, 0)).toEqual([expect.objectContaining({ state: 'pending' })]);
      expect(await row(id)).toEqual({ state: 'pending', attempts: 0, worker_id: null, snoozes: 1 });

      // The same worker claims it again, at the same attempt number.
      const second = await claim(id);
      expect(second.attempts).toBe(first.attempts);
      // A retry of the first snooze (its reply lost after the commit) must not snooze the new run.
      expect(await snooze(id, WORKER, first, 0)).toEqual([]);
      expect(await row(id)).toEqual({ state: 'running', attempts: 1, worker_id: WORKER, snoozes: 1 });

      expect(await snooze(id, WORKER, second, 60_000)).toEqual([expect.objectContaining({ state: 'scheduled' })]);
      expect(await row(id)).toEqual({ state: 'scheduled', attempts: 0, worker_id: null, snoozes: 2 });
      const [{ due }] = (await db().query<{ due: boolean }>(
        `SELECT run_at BETWEEN now() + interval '59 seconds' AND now() + interval '61 seconds' AS due FROM queued_tasks.tasks WHERE id = $1`,
        [id],
      )) as [{ due: boolean }];
      expect(due).toBe(true);
    });
  });
});
