/**
 * Retention and purge (issue 10), against PostgreSQL: only finished tasks
 * older than their state's age go, by `finished_at`; their stored log
 * lines and dependency edges go with them; a finished parent stays while a
 * child that depends on it is unfinished; `purge` does the same on demand.
 * Ages are set back with SQL, as time would.
 */
import { Injectable, type LogLevel } from '@nestjs/common';
import { InvalidTaskOptionsError, QueuedTask, TaskQueue, type PurgeOptions } from '../lib/index.js';
import { RetentionPass } from '../lib/maintenance/retention-pass.js';
import { RetentionStore } from '../lib/persistence/retention-store.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';
import { NoStackLogger } from './support/no-stack-logger.js';
import type { TestDatabase } from './support/test-database.js';

@Injectable()
class Echo {
  @QueuedTask({ name: 'retention.echo' })
  async echo(value: number): Promise<number> {
    return value;
  }
}

/** A task row written directly, `createdAgo` / `finishedAgo` as SQL intervals (finished_at NULL when unfinished). */
async function insertTask(db: TestDatabase, state: string, createdAgo: string, finishedAgo: string | null): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO queued_tasks.tasks (name, state, created_at, run_at, finished_at, worker_id, pending_parents)
     VALUES ('retention.row', $1, now() - $2::interval, now() + CASE WHEN $1 = 'scheduled' THEN interval '1 day' ELSE interval '0' END,
       now() - $3::interval, CASE WHEN $1 = 'running' THEN $4::uuid END, CASE WHEN $1 = 'blocked' THEN 1 ELSE 0 END)
     RETURNING id::text`,
    [state, createdAgo, finishedAgo, WORKER_ID],
  );
  return row!.id;
}

const WORKER_ID = '00000000-0000-4000-8000-000000000001';

async function existing(db: TestDatabase, ids: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`SELECT t.id::text AS id FROM queued_tasks.tasks t WHERE t.id = ANY($1::bigint[]) ORDER BY t.id`, [ids]);
  return rows.map((row) => row.id);
}

async function logLines(db: TestDatabase, ids: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ task_id: string }>(`SELECT task_id::text FROM queued_tasks.task_logs WHERE task_id = ANY($1::bigint[]) ORDER BY id`, [ids]);
  return rows.map((row) => row.task_id);
}

async function addLogLines(db: TestDatabase, id: string, count: number): Promise<void> {
  await db.query(
    `INSERT INTO queued_tasks.task_logs (task_id, attempt, level, message, logged_at)
     SELECT $1, 1, 'info', 'line ' || i, now() FROM generate_series(1, $2::integer) i`,
    [id, count],
  );
}

async function addEdge(db: TestDatabase, parent: string, child: string): Promise<void> {
  await db.query(`INSERT INTO queued_tasks.task_dependencies (parent_id, child_id, position) VALUES ($1, $2, 0)`, [parent, child]);
  await db.query(`UPDATE queued_tasks.tasks SET has_children = true WHERE id = $1`, [parent]);
}

/** Keeps what is logged at the levels given, instead of printing it. */
class LinesKept extends NoStackLogger {
  readonly lines: { level: string; message: string }[] = [];
  constructor(levels: LogLevel[]) {
    super(levels);
  }
  override debug(message: unknown): void {
    this.lines.push({ level: 'debug', message: String(message) });
  }
  override log(message: unknown): void {
    this.lines.push({ level: 'log', message: String(message) });
  }
  override warn(message: unknown): void {
    this.lines.push({ level: 'warn', message: String(message) });
  }
}

describe('retention and purge', () => {
  const { db, track } = useTestDatabase();
  beforeAll(async () => {
    // Owns the `running` rows, so that rescue leaves them alone.
    await db().query(
      `INSERT INTO queued_tasks.workers (id, hostname, pid, concurrency, lease_ms, lease_expires_at)
       VALUES ($1, 'elsewhere', 1, 1, 3600000, now() + interval '1 hour')`,
      [WORKER_ID],
    );
  });
  beforeEach(() => db().query(`DELETE FROM queued_tasks.tasks; DELETE FROM queued_tasks.task_logs; DELETE FROM queued_tasks.task_dependencies`));

  const retention = { completed: '1h', failed: '2h', cancelled: '3h', intervalMs: 100 };
  const leader = () =>
    startTestApp({ url: db().url, providers: [Echo], worker: { enabled: false, rescueIntervalMs: 100 }, retention });

  it('prunes only finished tasks older than the age of their state, by finished_at', async () => {
    const d = db();
    // Unfinished tasks of any age are never touched.
    const unfinished = [
      await insertTask(d, 'pending', '30 days', null),
      await insertTask(d, 'scheduled', '30 days', null),
      await insertTask(d, 'running', '30 days', null),
      await insertTask(d, 'blocked', '30 days', null),
    ];
    const old = [
      await insertTask(d, 'completed', '30 days', '61 minutes'),
      await insertTask(d, 'failed', '30 days', '121 minutes'),
      await insertTask(d, 'cancelled', '30 days', '181 minutes'),
    ];
    // Finished recently, or younger than their own state's age (though older than another's).
    const recent = [
      await insertTask(d, 'completed', '30 days', '59 minutes'),
      await insertTask(d, 'failed', '30 days', '90 minutes'),
      await insertTask(d, 'cancelled', '30 days', '150 minutes'),
      await insertTask(d, 'completed', '1 minute', '1 second'),
    ];
    // And tasks that really ran, aged afterwards.
    const producer = track(await startTestApp({ url: d.url, providers: [Echo], worker: { rescueIntervalMs: 100 } }));
    const refs = await Promise.all([1, 2, 3].map((n) => producer.get(TaskQueue).add(Echo, 'echo', [n])));
    await Promise.all(refs.map((ref) => ref.result({ timeoutMs: 10_000 })));
    await producer.close();
    const ran = refs.map((ref) => ref.id);
    await d.query(`UPDATE queued_tasks.tasks SET created_at = created_at - interval '2 hours', finished_at = finished_at - interval '2 hours' WHERE id = ANY($1::bigint[])`, [
      ran.slice(0, 2),
    ]);

    const app = track(await leader());
    await waitFor(async () => (await existing(d, [...old, ...ran.slice(0, 2)])).length === 0, 10_000, 'the old tasks to be pruned');
    // One more whole pass: what is left stays.
    await app.get(RetentionPass).runNow();
    expect(await existing(d, [...unfinished, ...recent, ...ran])).toEqual([...unfinished, ...recent, ran[2]!].sort((a, b) => Number(a) - Number(b)));
  });

  it('takes the log lines and dependency edges of pruned tasks with them', async () => {
    const d = db();
    const parent = await insertTask(d, 'completed', '2 days', '2 hours');
    const child = await insertTask(d, 'completed', '2 days', '2 hours');
    const kept = await insertTask(d, 'completed', '2 days', '5 minutes');
    const keptChild = await insertTask(d, 'completed', '2 days', '5 minutes');
    await addEdge(d, parent, child);
    await addEdge(d, kept, keptChild);
    for (const id of [parent, child, kept]) await addLogLines(d, id, 3);

    const app = track(await leader());
    await waitFor(async () => (await existing(d, [parent, child])).length === 0, 10_000, 'the old tasks to be pruned');
    await app.get(RetentionPass).runNow();
    expect(await logLines(d, [parent, child, kept])).toEqual([kept, kept, kept]);
    const edges = await d.query<{ parent_id: string; child_id: string }>(`SELECT parent_id::text, child_id::text FROM queued_tasks.task_dependencies`);
    expect(edges).toEqual([{ parent_id: kept, child_id: keptChild }]);
  });

  it('keeps a finished parent while a child depending on it is unfinished, and prunes it once the child finishes', async () => {
    const d = db();
    const parent = await insertTask(d, 'completed', '2 days', '2 hours');
    const waiting = await insertTask(d, 'blocked', '2 days', null);
    const otherParent = await insertTask(d, 'failed', '2 days', '1 day');
    const pending = await insertTask(d, 'pending', '2 days', null);
    const lonelyParent = await insertTask(d, 'completed', '2 days', '2 hours');
    const finishedChild = await insertTask(d, 'completed', '2 days', '2 hours');
    await addEdge(d, parent, waiting);
    await addEdge(d, otherParent, pending);
    await addEdge(d, lonelyParent, finishedChild);

    const app = track(await leader());
    await waitFor(async () => (await existing(d, [lonelyParent, finishedChild])).length === 0, 10_000, 'the parent of a finished child to go');
    await app.get(RetentionPass).runNow();
    expect(await existing(d, [parent, waiting, otherParent, pending])).toEqual([parent, waiting, otherParent, pending]);

    // The child finishes (just now: it is kept itself); its parent may go.
    await d.query(`UPDATE queued_tasks.tasks SET state = 'completed', finished_at = now(), pending_parents = 0 WHERE id = $1`, [waiting]);
    await app.get(RetentionPass).runNow();
    expect(await existing(d, [parent, waiting, otherParent, pending])).toEqual([waiting, otherParent, pending]);
    const edges = await d.query<{ parent_id: string }>(`SELECT parent_id::text FROM queued_tasks.task_dependencies ORDER BY parent_id`);
    expect(edges.map((edge) => edge.parent_id)).toEqual([otherParent]);
  });

  it('logs routine pruning at debug level only, and a failing pass once per kind of failure', async () => {
    const d = db();
    const old = await insertTask(d, 'completed', '2 days', '2 hours');
    const logger = new LinesKept(['debug', 'log', 'warn', 'error']);
    await d.query(`ALTER TABLE queued_tasks.task_logs RENAME TO task_logs_away`);
    let app;
    try {
      app = track(await startTestApp({ url: d.url, providers: [Echo], worker: { enabled: false, rescueIntervalMs: 50 }, retention: { ...retention, intervalMs: 50 }, logger }));
      await waitFor(() => logger.lines.some((line) => line.message.startsWith('Retention pass failed')), 10_000, 'a failed pass');
      await sleep(500);
      // Passes went on failing the same way: one line.
      expect(logger.lines.filter((line) => line.message.startsWith('Retention pass failed'))).toEqual([
        { level: 'warn', message: expect.stringMatching(/^Retention pass failed: The queue's tables are missing/) },
      ]);
      expect(await existing(d, [old])).toEqual([old]);
    } finally {
      await d.query(`ALTER TABLE queued_tasks.task_logs_away RENAME TO task_logs`);
    }
    await waitFor(async () => (await existing(d, [old])).length === 0, 10_000, 'the pass to succeed');
    await waitFor(() => logger.lines.some((line) => line.message.startsWith('Retention deleted')), 5_000, 'its debug line');
    expect(logger.lines.filter((line) => line.message.startsWith('Retention'))).toEqual([
      { level: 'warn', message: expect.stringMatching(/^Retention pass failed/) },
      { level: 'debug', message: expect.stringMatching(/^Retention deleted 1 finished task\(s\) \(completed 1, failed 0, cancelled 0\) and 0 log line\(s\) in 1 batch\(es\)$/) },
    ]);
    await app.close();
  });

  it('a pass out of time goes on after the last task it read, then starts over from the oldest', async () => {
    const d = db();
    await d.query(
      `INSERT INTO queued_tasks.tasks (name, state, created_at, finished_at)
       SELECT 'retention.bulk', 'completed', now() - interval '3 hours', now() - interval '2 hours' FROM generate_series(1, 2500)`,
    );
    const app = track(await startTestApp({ url: d.url, providers: [Echo], worker: { enabled: false } }));
    const store = app.get(RetentionStore);
    const ages = { completed: 3_600_000, failed: null, cancelled: null };
    // A budget of 0: one batch per call.
    const first = await store.prune(ages, { budgetMs: 0 });
    expect(first).toMatchObject({ deleted: { completed: 1000 }, batches: 1 });
    expect(first.resumeAfter).not.toBe('0');
    const second = await store.prune(ages, { budgetMs: 0, after: first.resumeAfter });
    expect(second).toMatchObject({ deleted: { completed: 1000 }, batches: 1 });
    const third = await store.prune(ages, { budgetMs: 0, after: second.resumeAfter });
    expect(third).toMatchObject({ deleted: { completed: 500 }, batches: 1, resumeAfter: '0' });
    expect(await store.prune(ages, { stopped: () => true })).toMatchObject({ batches: 0 });
  });

  it('keeps everything when no age is configured', async () => {
    const d = db();
    const ids = [await insertTask(d, 'completed', '400 days', '400 days'), await insertTask(d, 'failed', '400 days', '400 days')];
    const app = track(await startTestApp({ url: d.url, providers: [Echo], worker: { enabled: false, rescueIntervalMs: 100 } }));
    await app.get(RetentionPass).runNow();
    expect(await existing(d, ids)).toEqual(ids);
  });

  it('purge deletes on demand, over many batches, and answers how many', async () => {
    const d = db();
    // 2,500 old completed tasks: three batches.
    await d.query(
      `INSERT INTO queued_tasks.tasks (name, state, created_at, finished_at)
       SELECT 'retention.bulk', 'completed', now() - interval '3 hours', now() - interval '2 hours' FROM generate_series(1, 2500)`,
    );
    const failed = await insertTask(d, 'failed', '3 hours', '2 hours');
    const cancelled = await insertTask(d, 'cancelled', '3 hours', '2 hours');
    const recent = await insertTask(d, 'completed', '3 hours', '10 minutes');
    const pending = await insertTask(d, 'pending', '3 hours', null);
    await addLogLines(d, failed, 2);
    const app = track(await startTestApp({ url: d.url, providers: [Echo], worker: { enabled: false } }));
    const tasks = app.get(TaskQueue);

    expect(await tasks.purge({ state: 'completed', olderThan: '1h' })).toEqual({ deleted: 2500 });
    expect(await tasks.purge({ state: 'completed', olderThan: '1h' })).toEqual({ deleted: 0 });
    expect(await existing(d, [failed, cancelled, recent, pending])).toEqual([failed, cancelled, recent, pending]);
    expect(await tasks.purge({ state: ['failed', 'cancelled'], olderThan: 90 * 60_000 })).toEqual({ deleted: 2 });
    expect(await logLines(d, [failed])).toEqual([]);
    expect(await tasks.purge({ state: ['completed', 'failed', 'cancelled'], olderThan: 0 })).toEqual({ deleted: 1 });
    expect(await existing(d, [recent, pending])).toEqual([pending]);
  });

  it('purge refuses what is not a finished state or a duration, with a named error', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Echo], worker: { enabled: false } }));
    const tasks = app.get(TaskQueue);
    const pending = await insertTask(db(), 'pending', '30 days', null);
    for (const options of [
      { state: 'pending', olderThan: '1h' },
      { state: ['completed', 'running'], olderThan: '1h' },
      { state: 'completed' },
      { state: 'completed', olderThan: '30' },
      { state: 'completed', olderThan: '-1d' },
    ]) {
      await expect(tasks.purge(options as unknown as PurgeOptions)).rejects.toThrow(InvalidTaskOptionsError);
    }
    await expect(tasks.purge({ state: 'completed', olderThan: 'a while' })).rejects.toThrow(/"olderThan" in purge\(\): must be a number of milliseconds/);
    expect(await existing(db(), [pending])).toEqual([pending]);
  });
});
