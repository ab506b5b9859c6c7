/**
 * The queue says what it does through Nest's Logger, context `QueuedTasks`
 * (issue 8): the worker's start, drain and stop at `log`; retries, timeouts
 * and rescues at `warn`; a final failure at `error` with its stack once; each
 * task's start and completion at `debug` only, so that a busy, healthy queue
 * prints nothing per task at `log` level.
 */
import { Injectable, type LoggerService } from '@nestjs/common';
import pg from 'pg';
import { QueuedTask, SnoozeTask, TaskQueue, currentTask } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';
import { byAnyName } from './support/by-any-name.js';

type Level = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
interface Entry {
  level: Level;
  message: string;
  params: unknown[];
}

/** Keeps every line the application logs, with its level and its extra parameters (stack, context). */
class CapturingLogger implements LoggerService {
  readonly entries: Entry[] = [];
  private keep(level: Level, message: unknown, params: unknown[]): void {
    this.entries.push({ level, message: String(message), params });
  }
  log(message: unknown, ...params: unknown[]) {
    this.keep('log', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.keep('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.keep('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.keep('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.keep('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.keep('fatal', message, params);
  }
  /** Lines of ours (context `QueuedTasks`) at `level`. */
  ours(level: Level): Entry[] {
    return this.entries.filter((entry) => entry.level === level && entry.params.at(-1) === 'QueuedTasks');
  }
}

@Injectable()
class Chatty {
  @QueuedTask({ name: 'log.noop' })
  async noop(): Promise<void> {}

  @QueuedTask({ name: 'log.flaky', maxAttempts: 2, backoff: { type: 'fixed', delayMs: 10 } })
  async flaky(): Promise<void> {
    throw new Error(`broken on attempt ${currentTask()?.attempt}`);
  }

  @QueuedTask({ name: 'log.slow', timeoutMs: 100, maxAttempts: 1 })
  async slow(ms: number): Promise<void> {
    await sleep(ms);
  }
}

/** Snoozes on its first run only. */
@Injectable()
class Drowsy {
  private readonly snoozed = new Set<string>();

  @QueuedTask({ name: 'log.drowsy', maxAttempts: 1 })
  async nap(): Promise<void> {
    const { id } = currentTask()!;
    if (this.snoozed.has(id)) return;
    this.snoozed.add(id);
    throw new SnoozeTask(20);
  }
}

const DEAD_WORKER = '00000000-0000-0000-0000-0000000000de';

describe('what the queue logs', () => {
  const { db, track } = useTestDatabase();

  it('prints nothing per task at log level over 1,000 healthy tasks: two debug lines each instead', async () => {
    const logger = new CapturingLogger();
    const app = track(await startTestApp({ url: db().url, providers: [Chatty], logger, worker: { concurrency: 10 } }));
    const refs = await byAnyName(app.get(TaskQueue)).addMany(Array.from({ length: 1_000 }, () => ({ name: 'log.noop', args: [] })));
    await Promise.all(refs.map((ref) => ref.result({ timeoutMs: 30_000 })));
    await app.close();

    const logLines = logger.ours('log').map((entry) => entry.message);
    expect(logLines).toEqual([expect.stringMatching(/^Worker \S+ started: every queue: 10 slot\(s\); handlers log\.noop, log\.flaky, log\.slow; lease/), 'Worker drained and stopped']);
    expect([...logger.ours('warn'), ...logger.ours('error')]).toEqual([]);
    const debug = logger.ours('debug').map((entry) => entry.message);
    expect(debug.filter((line) => / started$/.test(line))).toHaveLength(1_000);
    expect(debug.filter((line) => / completed in \d+ ms$/.test(line))).toHaveLength(1_000);
  });

  it('warns of a retry and of a timeout, and logs a final failure as an error with its stack, once', async () => {
    const logger = new CapturingLogger();
    const app = track(await startTestApp({ url: db().url, providers: [Chatty], logger }));
    const tasks = app.get(TaskQueue);
    const flaky = await tasks.add(Chatty, 'flaky', []);
    // Past its timeout (100 ms), within its hard timeout (200 ms): a plain timeout.
    const slow = await tasks.add(Chatty, 'slow', [150]);
    await expect(flaky.result({ timeoutMs: 10_000 })).rejects.toThrow('broken on attempt 2');
    await expect(slow.result({ timeoutMs: 10_000 })).rejects.toThrow('timeout');

    // The result's waiter hears of the failure when it commits; the worker logs it right after.
    const loggedFinal = (id: string) => logger.ours('error').some((entry) => entry.message.startsWith(`Task ${id} `));
    await waitFor(async () => loggedFinal(flaky.id) && loggedFinal(slow.id), 5_000, 'both final failures logged');
    const warnings = logger.ours('warn').map((entry) => entry.message);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^Task ${flaky.id} \\(log\\.flaky\\) attempt 1/2 failed: broken on attempt 1; retrying in \\d+ ms$`)),
        expect.stringMatching(new RegExp(`^Task ${slow.id} \\(log\\.slow\\) attempt 1/1 passed its timeout of 100 ms`)),
      ]),
    );
    const errors = logger.ours('error');
    const flakyErrors = errors.filter((entry) => entry.message.startsWith(`Task ${flaky.id} `));
    expect(flakyErrors.map((entry) => entry.message)).toEqual([`Task ${flaky.id} (log.flaky) failed for good on attempt 2/2: Error: broken on attempt 2`]);
    expect(flakyErrors[0]!.params[0]).toMatch(/^Error: broken on attempt 2\n\s+at /);
    expect(errors.filter((entry) => entry.message.startsWith(`Task ${slow.id} `)).map((entry) => entry.message)).toEqual([
      expect.stringContaining('failed for good on attempt 1/1: TaskTimeoutError'),
    ]);
  });

  it('warns of a rescue with the ids of the tasks it took back', async () => {
    await db().query(
      `INSERT INTO queued_tasks.workers (id, hostname, pid, concurrency, lease_ms, lease_expires_at, heartbeat_at)
       VALUES ($1, 'gone', 1, 1, 1000, now() - interval '1 hour', now() - interval '1 hour')`,
      [DEAD_WORKER],
    );
    const ids = await db().query<{ id: string }>(
      `INSERT INTO queued_tasks.tasks (name, state, worker_id, attempts, started_at)
       SELECT 'log.noop', 'running', $1, 1, now() FROM generate_series(1, 3) RETURNING id::text`,
      [DEAD_WORKER],
    );
    const logger = new CapturingLogger();
    track(await startTestApp({ url: db().url, providers: [Chatty], logger, worker: { rescueIntervalMs: 50 } }));
    const rescue = () => logger.ours('warn').find((entry) => entry.message.startsWith('Rescued '));
    await waitFor(async () => rescue() !== undefined, 10_000, 'the rescue line');
    const sorted = ids.map((row) => row.id).sort((a, b) => Number(a) - Number(b));
    expect(rescue()!.message).toBe(`Rescued 3 task(s) of 1 worker(s) whose lease ended: ids ${sorted.join(', ')}`);
  });

  it('logs a snooze at debug level only: it is not a failure', async () => {
    const logger = new CapturingLogger();
    const app = track(await startTestApp({ url: db().url, providers: [Drowsy], logger }));
    const ref = await app.get(TaskQueue).add(Drowsy, 'nap', []);
    await ref.result({ timeoutMs: 10_000 });
    await app.close();
    const mentions = (level: Level) => logger.ours(level).filter((entry) => entry.message.includes(`Task ${ref.id} `)).map((entry) => entry.message);
    expect([...mentions('log'), ...mentions('warn'), ...mentions('error')]).toEqual([]);
    expect(mentions('debug')).toContain(`Task ${ref.id} (log.drowsy) attempt 1/1 snoozed for 20 ms; the attempt is given back`);
  });

  it('stays quiet when shutdown cancels a claim stuck in the database: a graceful stop is not a failure', async () => {
    const logger = new CapturingLogger();
    const app = await startTestApp({ url: db().url, providers: [Chatty], logger, worker: { pollIntervalMs: 60_000 } });
    const locker = new pg.Client({ connectionString: db().url });
    await locker.connect();
    await sleep(300); // past the worker's first claim and its look at the next run time
    await locker.query('BEGIN');
    try {
      // Every statement on the tasks table now waits; a wake-up sends a claim that hangs.
      await locker.query('LOCK TABLE queued_tasks.tasks IN ACCESS EXCLUSIVE MODE');
      await db().query(`SELECT pg_notify('queued_tasks_events', '{"k":"w"}')`);
      await waitFor(
        async () =>
          (await db().query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'nestjs-queued-tasks' AND query LIKE '%claimed AS%'`)).length > 0,
        10_000,
        'a claim waiting on the lock',
      );
      await app.close();
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect([...logger.ours('warn'), ...logger.ours('error')].map((entry) => entry.message)).toEqual([]);
  });

  it('says how long the drain may take while running tasks finish', async () => {
    const logger = new CapturingLogger();
    const app = track(await startTestApp({ url: db().url, providers: [Chatty], logger, worker: { shutdownTimeoutMs: 5_000 } }));
    // Long enough to be still running when close() starts, however loaded the machine (50 ms once finished first in CI).
    const ref = await app.get(TaskQueue).add(Chatty, 'slow', [1_000]);
    await waitFor(async () => (await ref.status()) === 'running', 10_000, 'the task to start');
    await app.close();
    const logLines = logger.ours('log').map((entry) => entry.message);
    expect(logLines.slice(-2)).toEqual(['Draining: waiting for 1 running task(s), up to 5 s', 'Worker drained and stopped']);
  });
});
