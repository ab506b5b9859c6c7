/**
 * A backend terminated right after it connected: its FATAL arrives in the
 * same TCP chunk as the connection's first ReadyForQuery, while pg-pool is
 * handing the new client out. Before the fix the 'error' was emitted on a
 * client nobody listened to yet and crashed the process (found by the
 * backend-termination storm on PostgreSQL 15). Now the statement on that
 * connection fails with a typed error, nothing crashes, and the next
 * statements succeed on fresh connections.
 */
import { Injectable } from '@nestjs/common';
import { QueuedTask, QueuedTasksError, TaskQueue } from '../../lib/index.js';
import { startTestApp } from '../support/test-app.js';
import { useTestDatabase } from '../support/suite.js';
import { useCleanup } from './support/cleanup.js';
import { FatalAfterReadyProxy } from './support/fatal-after-ready-proxy.js';

@Injectable()
class Noop {
  @QueuedTask({ name: 'fatal.noop' })
  async noop(): Promise<void> {}
}

describe('FATAL in the same chunk as a new connection’s first reply', () => {
  const defer = useCleanup();
  const { db, track } = useTestDatabase();

  it('fails the statements on those connections with a typed error and never crashes the process', async () => {
    const proxy = defer(await FatalAfterReadyProxy.start({ port: Number(new URL(db().url).port) }), (p) => p.close());
    const app = track(await startTestApp({ url: proxy.url(db().url), providers: [Noop], worker: { enabled: false } }));
    const tasks = app.get(TaskQueue);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    defer(onUncaught, (listener) => void process.removeListener('uncaughtException', listener));

    // Empty the pool: its idle connections are terminated (pg-pool drops them), so the next statements open new ones.
    // Armed first: background statements (the maintenance leader re-planning
    // schedules after its LISTEN connection comes back) may open connections
    // during the wait, and those must meet the fault too.
    proxy.armed = true;
    await db().query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'nestjs-queued-tasks'`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => tasks.add(Noop, 'noop', [])));
    proxy.armed = false;
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(proxy.injected).toBeGreaterThan(0);
    expect(uncaught).toEqual([]);
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(failure.reason).toBeInstanceOf(QueuedTasksError);
    // Fresh connections work again.
    const ref = await tasks.add(Noop, 'noop', []);
    expect((await ref.info()).state).toBe('pending');
  });
});
