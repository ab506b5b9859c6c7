/**
 * What a running task says about itself (issue 10): progress coalesced to a
 * few writes whatever the call rate, the last value always stored; log lines
 * written in batches, capped, paged and echoed to Nest's Logger; a key/value
 * context kept across attempts; metadata and lineage inherited over three
 * generations run by other processes; and bad reports refused by the call,
 * without failing the task.
 */
import { Injectable, type LoggerService } from '@nestjs/common';
import {
  InvalidTaskOptionsError,
  InvalidTaskReportError,
  QueuedTask,
  TaskNotFoundError,
  TaskQueue,
  TaskSerializationError,
  currentTask,
  OnTaskEvent,
  type TaskProgressEvent,
} from '../lib/index.js';
import { LineageTasks } from './fixtures/lineage-tasks.js';
import { byAnyName } from './support/by-any-name.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { waitFor } from './support/wait-for.js';
import { startWorkerProcess } from './support/worker-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class Reporting {
  static refused: string[] = [];

  /** 1,000 progress calls over about 2.5 s. */
  @QueuedTask({ name: 'reports.progress' })
  async progress(): Promise<void> {
    const task = currentTask()!;
    for (let i = 1; i <= 1_000; i++) {
      await task.progress(i / 1_000, `step ${i}`, { i });
      if (i % 200 === 0) await sleep(500);
    }
  }

  @QueuedTask({ name: 'reports.log' })
  async log(lines: number): Promise<void> {
    const task = currentTask()!;
    for (let i = 1; i <= lines; i++) task.log.info(`line ${i}`, { i });
    task.log.warn('a warning without data');
  }

  /** Logs before and after the writer's interval: the cap spans the periodic write and the completion. */
  @QueuedTask({ name: 'reports.log-slow' })
  async logSlow(): Promise<void> {
    const task = currentTask()!;
    for (let i = 1; i <= 20; i++) task.log.debug(`early ${i}`);
    await sleep(1_300);
    for (let i = 1; i <= 20; i++) task.log.info(`late ${i}`, [i]);
  }

  /** Sets a context value, fails its first attempt, and finds the value in its second. */
  @QueuedTask({ name: 'reports.context', maxAttempts: 2, backoff: { type: 'fixed', delayMs: 10 } })
  async context(): Promise<unknown> {
    const task = currentTask()!;
    if (task.attempt === 1) {
      task.context.set('checkpoint', { done: 40 });
      task.context.set('temporary', 'x');
      task.context.delete('temporary');
      throw new Error('first attempt fails after its checkpoint');
    }
    return task.context.get('checkpoint');
  }

  static release: (() => void) | null = null;

  /** Reports, waits to be released (the test cuts the pool's connections meanwhile), reports again. */
  @QueuedTask({ name: 'reports.cut' })
  async cut(): Promise<string> {
    const task = currentTask()!;
    task.log.info('before the cut');
    await task.progress(0.3, 'before');
    task.context.set('phase', 'before');
    await new Promise<void>((resolve) => (Reporting.release = resolve));
    task.log.info('after the cut');
    await task.progress(0.9, 'after');
    task.context.set('phase', 'after');
    return 'done';
  }

  /** Progress before and after the writer's interval: one event from the periodic write, one from the completion. */
  @QueuedTask({ name: 'reports.steps' })
  async steps(): Promise<void> {
    await currentTask()!.progress(0.25, 'first');
    await sleep(1_300);
    await currentTask()!.progress(0.75, 'second', { n: 2 });
  }

  /** Every bad report throws from the call; the handler catches them and completes. */
  @QueuedTask({ name: 'reports.bad' })
  async bad(): Promise<string> {
    const task = currentTask()!;
    const attempts: (() => unknown)[] = [
      () => task.progress(Number.NaN),
      () => task.progress(1.5),
      () => task.progress(-0.1),
      () => task.log.info('bigint', { n: 10n }),
      () => task.log.info('huge', { text: 'x'.repeat(20_000) }),
      () => task.context.set('big', 'x'.repeat(70_000)),
      () => task.context.set('', 1),
      () => task.context.set('when', new Date()),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
        Reporting.refused.push('accepted');
      } catch (error) {
        Reporting.refused.push((error as Error).constructor.name);
      }
    }
    await task.progress(0.5);
    return 'completed anyway';
  }
}

/** Collects the progress events of this process. */
@Injectable()
class ProgressListener {
  static seen: TaskProgressEvent[] = [];

  @OnTaskEvent('progress', { name: 'reports.steps' })
  onProgress(event: TaskProgressEvent): void {
    ProgressListener.seen.push(event);
  }
}

/** Lines sent to Nest's Logger, by level. */
class RecordingLogger implements LoggerService {
  readonly lines: { level: string; message: string; context?: string }[] = [];
  log(message: string, context?: string) {
    this.lines.push({ level: 'log', message, context });
  }
  warn(message: string, context?: string) {
    this.lines.push({ level: 'warn', message, context });
  }
  error(message: string, context?: string) {
    this.lines.push({ level: 'error', message, context });
  }
  debug(message: string, context?: string) {
    this.lines.push({ level: 'debug', message, context });
  }
}

describe('task reports: progress, logs, context, metadata', () => {
  const { db, track } = useTestDatabase();

  it('writes 1,000 progress calls as a handful of UPDATEs, and the last value always lands', async () => {
    // A trigger counts the rows whose progress really changed, statement by statement.
    await db().query(`CREATE TABLE IF NOT EXISTS public.progress_writes (at timestamptz DEFAULT clock_timestamp())`);
    await db().query(`CREATE OR REPLACE FUNCTION public.count_progress() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO public.progress_writes DEFAULT VALUES; RETURN NEW; END $$`);
    await db().query(`CREATE TRIGGER count_progress AFTER UPDATE ON queued_tasks.tasks FOR EACH ROW
      WHEN (OLD.progress IS DISTINCT FROM NEW.progress) EXECUTE FUNCTION public.count_progress()`);
    try {
      const app = track(await startTestApp({ url: db().url, providers: [Reporting] }));
      const tasks = app.get(TaskQueue);
      const ref = await byAnyName(tasks).add('reports.progress', []);
      await ref.result({ timeoutMs: 20_000 });
      const info = await tasks.get(ref.id);
      expect(info.progress).toEqual({ value: 1, message: 'step 1000', data: { i: 1_000 }, at: expect.any(Date) });
      const [{ writes }] = await db().query<{ writes: number }>(`SELECT count(*)::int AS writes FROM public.progress_writes`);
      // About one a second over ~2.5 s, plus the one at the end of the attempt.
      expect(writes).toBeGreaterThanOrEqual(1);
      expect(writes).toBeLessThanOrEqual(6);
    } finally {
      await db().query(`DROP TRIGGER count_progress ON queued_tasks.tasks`);
    }
  });

  it('stores log lines in batches, caps them with a note, pages through them, and echoes them to Nest', async () => {
    await db().query(`CREATE TABLE IF NOT EXISTS public.log_inserts (at timestamptz DEFAULT clock_timestamp())`);
    await db().query(`CREATE OR REPLACE FUNCTION public.count_log_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO public.log_inserts DEFAULT VALUES; RETURN NULL; END $$`);
    await db().query(`CREATE TRIGGER count_log_inserts AFTER INSERT ON queued_tasks.task_logs FOR EACH STATEMENT EXECUTE FUNCTION public.count_log_inserts()`);
    const logger = new RecordingLogger();
    try {
      const app = track(await startTestApp({ url: db().url, providers: [Reporting], logs: { maxLinesPerTask: 25 }, logger }));
      const tasks = app.get(TaskQueue);
      const ref = await byAnyName(tasks).add('reports.log', [30]);
      await ref.result({ timeoutMs: 10_000 });

      const first = await tasks.logs(ref.id, { limit: 10 });
      const second = await tasks.logs(ref.id, { afterId: first.at(-1)!.id, limit: 10 });
      const rest = await tasks.logs(ref.id, { afterId: second.at(-1)!.id });
      const all = [...first, ...second, ...rest];
      expect(all.map((line) => line.message)).toEqual([
        ...Array.from({ length: 25 }, (_, k) => `line ${k + 1}`),
        'log capped at 25 lines; later lines are not stored',
      ]);
      expect(all[0]).toEqual({ id: expect.any(String), attempt: 1, level: 'info', message: 'line 1', data: { i: 1 }, at: expect.any(Date) });
      expect(all.at(-1)!.level).toBe('warn');
      expect(await tasks.logs(ref.id, { afterId: all.at(-1)!.id })).toEqual([]);

      const [{ inserts }] = await db().query<{ inserts: number }>(`SELECT count(*)::int AS inserts FROM public.log_inserts`);
      expect(inserts).toBe(1);
      // Every line reaches Nest's Logger, stored or not, with the task's name and id as context.
      const echoed = logger.lines.filter((line) => line.context === `reports.log #${ref.id}`);
      expect(echoed).toHaveLength(31);
      expect(echoed[0]).toEqual({ level: 'log', message: 'line 1 {"i":1}', context: `reports.log #${ref.id}` });
      expect(echoed.at(-1)).toEqual({ level: 'warn', message: 'a warning without data', context: `reports.log #${ref.id}` });
    } finally {
      await db().query(`DROP TRIGGER count_log_inserts ON queued_tasks.task_logs`);
    }
  });

  it('caps lines across a periodic write and the completion, in order', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Reporting], logs: { maxLinesPerTask: 25 } }));
    const tasks = app.get(TaskQueue);
    const ref = await byAnyName(tasks).add('reports.log-slow', []);
    await ref.result({ timeoutMs: 10_000 });
    const lines = await tasks.logs(ref.id, { limit: 1_000 });
    expect(lines.map((line) => line.message)).toEqual([
      ...Array.from({ length: 20 }, (_, k) => `early ${k + 1}`),
      ...Array.from({ length: 5 }, (_, k) => `late ${k + 1}`),
      'log capped at 25 lines; later lines are not stored',
    ]);
    expect(lines[0]!.level).toBe('debug');
    expect(lines[20]).toMatchObject({ level: 'info', data: [1] });
    expect(lines.map((line) => BigInt(line.id))).toEqual(lines.map((line) => BigInt(line.id)).sort((a, b) => (a < b ? -1 : 1)));
  });

  it('keeps the key/value context with the task, for its next attempt and for get()', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Reporting] }));
    const tasks = app.get(TaskQueue);
    const ref = await byAnyName(tasks).add('reports.context', []);
    expect(await ref.result({ timeoutMs: 10_000 })).toEqual({ done: 40 });
    expect((await tasks.get(ref.id)).context).toEqual({ checkpoint: { done: 40 } });
  });

  it('refuses bad reports from the call itself, with named errors, and the task still completes', async () => {
    Reporting.refused = [];
    const app = track(await startTestApp({ url: db().url, providers: [Reporting] }));
    const tasks = app.get(TaskQueue);
    const ref = await byAnyName(tasks).add('reports.bad', []);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe('completed anyway');
    expect(Reporting.refused).toEqual([
      InvalidTaskReportError.name,
      InvalidTaskReportError.name,
      InvalidTaskReportError.name,
      TaskSerializationError.name,
      InvalidTaskReportError.name,
      InvalidTaskReportError.name,
      InvalidTaskReportError.name,
      TaskSerializationError.name,
    ]);
    const info = await tasks.get(ref.id);
    expect(info.progress?.value).toBe(0.5);
    expect(info.context).toEqual({});
    expect(await tasks.logs(ref.id)).toEqual([]);
  });

  it('keeps reports through cut pool connections: every line and the last progress and context land', async () => {
    Reporting.release = null;
    const app = track(await startTestApp({ url: db().url, providers: [Reporting] }));
    const tasks = app.get(TaskQueue);
    const ref = await byAnyName(tasks).add('reports.cut', []);
    await waitFor(() => Reporting.release, 10_000, 'the handler waiting');
    // Cut while the first reports are being written or about to be (the writer's interval is 1 s).
    await sleep(900);
    await db().query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'nestjs-queued-tasks'`,
    );
    await sleep(300);
    Reporting.release!();
    expect(await ref.result({ timeoutMs: 15_000 })).toBe('done');
    const info = await tasks.get(ref.id);
    expect(info.progress).toMatchObject({ value: 0.9, message: 'after' });
    expect(info.context).toEqual({ phase: 'after' });
    expect((await tasks.logs(ref.id)).map((line) => line.message)).toEqual(['before the cut', 'after the cut']);
  });

  it('emits progress events as progress is written: locally once each, and on events$', async () => {
    ProgressListener.seen = [];
    const app = track(await startTestApp({ url: db().url, providers: [Reporting, ProgressListener] }));
    const tasks = app.get(TaskQueue);
    const live: TaskProgressEvent[] = [];
    const subscription = tasks.events$({ type: 'progress' }).subscribe((event) => live.push(event));
    try {
      const ref = await byAnyName(tasks).add('reports.steps', []);
      await ref.result({ timeoutMs: 10_000 });
      await waitFor(() => ProgressListener.seen.length >= 2 && live.length >= 2, 5_000, 'two progress events');
      expect(ProgressListener.seen.map((e) => [e.taskId, e.value, e.message])).toEqual([
        [ref.id, 0.25, 'first'],
        [ref.id, 0.75, 'second'],
      ]);
      expect(ProgressListener.seen[1]).toMatchObject({ type: 'progress', name: 'reports.steps', queue: 'default', data: { n: 2 }, at: expect.any(Date) });
      expect(live.map((e) => e.value)).toEqual([0.25, 0.75]);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('refuses bad metadata and bad log queries with named errors, writing nothing', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Reporting], worker: { enabled: false } }));
    const tasks = byAnyName(app.get(TaskQueue));
    for (const metadata of [null, [1], 'text', { when: new Date() }, { big: 'x'.repeat(20_000) }]) {
      await expect(tasks.add('reports.log', [1], { metadata: metadata as Record<string, unknown> })).rejects.toThrow(
        metadata !== null && typeof metadata === 'object' && 'when' in metadata ? TaskSerializationError : InvalidTaskOptionsError,
      );
    }
    const [{ count }] = await db().query<{ count: number }>(`SELECT count(*)::int AS count FROM queued_tasks.tasks WHERE name = 'reports.log' AND args = '[1]'`);
    expect(count).toBe(0);
    const queue = app.get(TaskQueue);
    await expect(queue.logs('999999')).rejects.toThrow(TaskNotFoundError);
    await expect(queue.logs('not-an-id')).rejects.toThrow(TaskNotFoundError);
    const ref = await tasks.add('reports.log', [2]);
    await expect(queue.logs(ref.id, { limit: 0 })).rejects.toThrow(InvalidTaskOptionsError);
    await expect(queue.logs(ref.id, { afterId: 'x' })).rejects.toThrow(InvalidTaskOptionsError);
    expect(await queue.logs(ref.id)).toEqual([]);
  });

  it('hands metadata and lineage down three generations of tasks run by other processes', async () => {
    const producer = track(await startTestApp({ url: db().url, providers: [LineageTasks], worker: { enabled: false } }));
    const tasks = byAnyName(producer.get(TaskQueue));
    const first = await tasks.add('lineage.step', [1], { metadata: { tenantId: 't1', requestId: 'r1' } });
    const workers = await Promise.all([startWorkerProcess({ url: db().url }), startWorkerProcess({ url: db().url })]);
    try {
      const rows = await waitFor(async () => {
        const found = await db().query<{ id: string; args: number[]; state: string; metadata: unknown; parent_task_id: string | null; root_task_id: string | null }>(
          `SELECT t.id::text AS id, args, state, metadata, parent_task_id::text, root_task_id::text FROM queued_tasks.tasks t WHERE name = 'lineage.step' ORDER BY t.id`,
        );
        return found.length === 3 && found.every((row) => row.state === 'completed') ? found : null;
      }, 20_000, 'three generations completed');
      const [one, two, three] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
      expect(one).toMatchObject({ id: first.id, metadata: { tenantId: 't1', requestId: 'r1' }, parent_task_id: null, root_task_id: null });
      expect(two).toMatchObject({ args: [2], metadata: { tenantId: 't1', requestId: 'r1', step: 2 }, parent_task_id: one.id, root_task_id: one.id });
      expect(three).toMatchObject({ args: [3], metadata: { tenantId: 't1', requestId: 'r3', step: 2 }, parent_task_id: two.id, root_task_id: one.id });
      const info = await producer.get(TaskQueue).get(three.id);
      expect(info).toMatchObject({ parentTaskId: two.id, rootTaskId: one.id, context: { generation: 3 }, progress: { value: 1, message: 'generation 3 done' } });
      const [line] = await producer.get(TaskQueue).logs(three.id);
      expect(line).toMatchObject({ level: 'info', message: 'generation 3', data: { pid: expect.any(Number) } });
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  });
});
