import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';

@Injectable()
class Pinger {
  readonly seen = new Map<string, number>();

  @QueuedTask({ name: 'ping' })
  async ping(label: string): Promise<string> {
    this.seen.set(label, Date.now());
    return `pong ${label}`;
  }
}

const SLOW_POLL_MS = 60_000;

describe('lost database connection', () => {
  const { db, track } = useTestDatabase();

  async function killListenerConnections(): Promise<number> {
    const rows = await db().query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND application_name LIKE '%:listener'`,
    );
    return rows.length;
  }

  it('re-establishes LISTEN after its connection is killed while idle, and picks up new tasks by notification', async () => {
    const worker = track(await startTestApp({ url: db().url, providers: [Pinger], worker: { pollIntervalMs: SLOW_POLL_MS } }));
    const producer = track(await startTestApp({ url: db().url, providers: [Pinger], worker: { enabled: false } }));
    const pinger = worker.get(Pinger);
    const tasks = producer.get(TaskQueue);

    await tasks.add(Pinger, 'ping', ['before']);
    await waitFor(() => pinger.seen.has('before'), 5_000, 'first task');

    expect(await killListenerConnections()).toBe(1);
    // Reconnect backoff starts at ~100 ms.
    await waitFor(
      async () =>
        (await db().query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%:listener'`)).length === 1,
      5_000,
      'LISTEN connection back',
    );
    await sleep(100);
    const before = Date.now();
    await tasks.add(Pinger, 'ping', ['after']);
    await waitFor(() => pinger.seen.has('after'), 3_000, 'task after reconnect');
    // Far below the 60 s poll: it came by notification.
    expect(pinger.seen.get('after')! - before).toBeLessThan(1_000);
  });

  it('catches up on tasks enqueued while the LISTEN connection was down', async () => {
    const worker = track(await startTestApp({ url: db().url, providers: [Pinger], worker: { pollIntervalMs: SLOW_POLL_MS } }));
    const pinger = worker.get(Pinger);
    await sleep(100);
    await killListenerConnections();
    // Enqueue straight away, before the listener is back: its NOTIFY reaches nobody.
    await db().query(
      `INSERT INTO queued_tasks.tasks (name, args) VALUES ('ping', '["while-down"]'); SELECT pg_notify('queued_tasks_events', '{"k":"w"}')`,
    );
    await waitFor(() => pinger.seen.has('while-down'), 5_000, 'task enqueued while disconnected');
  });

  it('waits for a result across a reconnect of the waiting process', async () => {
    const web = track(await startTestApp({ url: db().url, providers: [Pinger], worker: { enabled: false } }));
    const ref = await web.get(TaskQueue).add(Pinger, 'ping', ['awaited'], { delayMs: 1_000 });
    const result = ref.result({ timeoutMs: 10_000 });
    await sleep(200);
    expect(await killListenerConnections()).toBe(1);
    const worker = track(await startTestApp({ url: db().url, providers: [Pinger] }));
    expect(await result).toBe('pong awaited');
    expect(worker.get(Pinger).seen.has('awaited')).toBe(true);
  });
});
