import { createServer, type Server, type Socket } from 'node:net';
import { Injectable } from '@nestjs/common';
import pg from 'pg';
import { QueueUnavailableError, QueuedTask, TaskQueue, currentTask } from '../../lib/index.js';
import { freePort } from '../../lib/embedded-database/free-port.js';
import { RunLog } from '../support/run-log.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { sleep, waitFor } from '../support/wait-for.js';

@Injectable()
class Stubborn {
  static readonly log = new RunLog();

  /** Runs past its timeout and ignores its signal, but returns before its hard timeout (2 × 200 ms). */
  @QueuedTask({ name: 'timeouts.overrun', timeoutMs: 200, maxAttempts: 3, backoff: { type: 'fixed', delayMs: 10, jitter: false } })
  async overrun(): Promise<string> {
    const { id, attempt } = currentTask()!;
    const run = Stubborn.log.begin(id, attempt);
    await sleep(350);
    Stubborn.log.end(run);
    return 'late';
  }

  /** Ignores its signal past its hard timeout. */
  @QueuedTask({ name: 'timeouts.runaway', timeoutMs: 200, hardTimeoutMs: 500, maxAttempts: 2, backoff: { type: 'fixed', delayMs: 10, jitter: false } })
  async runaway(): Promise<string> {
    const { id, attempt } = currentTask()!;
    const run = Stubborn.log.begin(id, attempt);
    await sleep(attempt === 1 ? 1_200 : 10);
    Stubborn.log.end(run);
    return 'finally';
  }

  @QueuedTask({ name: 'timeouts.quick' })
  async quick(): Promise<string> {
    return 'quick';
  }
}

describe('timeouts', () => {
  const { db, track } = useTestDatabase();

  // Defect 7: a handler ignoring its signal ran concurrently with its own retry.
  it('a timed-out handler that ignores its signal is not retried until it returns', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Stubborn], worker: { concurrency: 3 } }));
    const ref = await app.get(TaskQueue).add(Stubborn, 'overrun', []);
    await expect(ref.result({ timeoutMs: 15_000 })).rejects.toMatchObject({ name: 'TaskFailedError' });
    const runs = Stubborn.log.of(ref.id);
    expect(runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    expect(Stubborn.log.overlaps()).toEqual([]);
    const info = await ref.info();
    expect(info).toMatchObject({ state: 'failed', attempts: 3 });
    expect(info.errors.map((error) => error.name)).toEqual(['TaskTimeoutError', 'TaskTimeoutError', 'TaskTimeoutError']);
  });

  it('past its hard timeout the attempt is recorded and retried, and the runaway handler keeps its slot', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Stubborn], worker: { concurrency: 1 } }));
    const ref = await app.get(TaskQueue).add(Stubborn, 'runaway', []);
    expect(await ref.result({ timeoutMs: 15_000 })).toBe('finally');
    const [first, second] = Stubborn.log.of(ref.id);
    // Concurrency 1: the retry waited for the runaway handler's slot.
    expect(second!.start).toBeGreaterThanOrEqual(first!.end!);
    const info = await ref.info();
    expect(info).toMatchObject({ state: 'completed', attempts: 2 });
    expect(info.errors).toEqual([expect.objectContaining({ name: 'TaskTimeoutError', message: expect.stringContaining('hard timeout of 500 ms') })]);
  });

  // Defect 8: close() waited for a claim stuck on a lock, far past shutdownTimeoutMs.
  it('close() is bounded by shutdownTimeoutMs even while a claim waits on a lock', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Stubborn], worker: { shutdownTimeoutMs: 1_000 } }));
    await (await app.get(TaskQueue).add(Stubborn, 'quick', [])).result({ timeoutMs: 10_000 });
    const locker = new pg.Client({ connectionString: db().url, application_name: 'qt-test-locker' });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE queued_tasks.tasks IN ACCESS EXCLUSIVE MODE');
      // Wake the worker: its claim now waits on the lock.
      await db().query(`SELECT pg_notify('queued_tasks_events', '{"k":"w"}')`);
      await waitFor(
        async () =>
          (await db().query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).length > 0,
        5_000,
        'a claim waiting on the lock',
      );
      const closing = Date.now();
      await app.close();
      expect(Date.now() - closing).toBeLessThan(4_000);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  });

  // Defect 8: bootstrap hung silently on a host that accepts TCP and never answers.
  it('bootstrap fails with QueueUnavailableError on a server that accepts connections and never answers', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      await expect(
        startTestApp({
          connection: { url: `postgres://postgres:postgres@127.0.0.1:${port}/nowhere`, connectTimeoutMs: 500 },
          providers: [Stubborn],
          expectBootstrapFailure: true,
        }),
      ).rejects.toBeInstanceOf(QueueUnavailableError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
