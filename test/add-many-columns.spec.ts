/**
 * `addMany` sends each column as one array, and a column no request of the
 * batch sets as a NULL array (insert-tasks.sql.ts `insertTasksValues`): each
 * row must still get its own options, whether one request sets a column or
 * none does, and the wake-ups, reduced to one per queue, must still start the
 * due tasks of every queue at once.
 */
import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue } from '../lib/index.js';
import { useTestDatabase } from './support/suite.js';
import { startTestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

const ran: string[] = [];

@Injectable()
class Columns {
  @QueuedTask({ name: 'columns.a', queue: 'columns-a' })
  async a(label: string): Promise<void> {
    ran.push(label);
  }

  @QueuedTask({ name: 'columns.b', queue: 'columns-b' })
  async b(label: string): Promise<void> {
    ran.push(label);
  }
}

interface Row {
  args: unknown[];
  queue: string;
  state: string;
  priority: number;
  delayed: boolean;
  timeout_ms: number | null;
  metadata: Record<string, unknown> | null;
  concurrency_key: string | null;
}

describe('addMany columns', () => {
  const { db, track } = useTestDatabase();
  const read = (ids: string[]) =>
    db().query<Row & Record<string, unknown>>(
      `SELECT args, queue, state, priority, run_at > now() + interval '30 minutes' AS delayed, timeout_ms, metadata, concurrency_key
       FROM queued_tasks.tasks WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    );

  it('writes each request its own options when one request sets a column, and NULL where none does', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Columns], worker: { enabled: false } }));
    const tasks = app.get(TaskQueue);
    const runAt = new Date(Date.now() + 3_600_000);
    const mixed = await tasks.addMany([
      { target: Columns, method: 'a', args: ['plain'] },
      { target: Columns, method: 'a', args: ['later'], options: { runAt } },
      { target: Columns, method: 'a', args: ['tagged'], options: { metadata: { tenant: 't1' } } },
      { target: Columns, method: 'a', args: ['keyed'], options: { concurrencyKey: 'customer:1' } },
      { target: Columns, method: 'b', args: ['urgent'], options: { priority: 7, timeoutMs: 5_000 } },
    ]);
    const none = { priority: 0, delayed: false, timeout_ms: null, metadata: null, concurrency_key: null, state: 'pending' };
    expect(await read(mixed.map((ref) => ref.id))).toEqual([
      { ...none, args: ['plain'], queue: 'columns-a' },
      { ...none, args: ['later'], queue: 'columns-a', delayed: true, state: 'scheduled' },
      { ...none, args: ['tagged'], queue: 'columns-a', metadata: { tenant: 't1' } },
      { ...none, args: ['keyed'], queue: 'columns-a', concurrency_key: 'customer:1' },
      { ...none, args: ['urgent'], queue: 'columns-b', priority: 7, timeout_ms: 5_000 },
    ]);

    const plain = await tasks.addMany(Array.from({ length: 3 }, (_, i) => ({ target: Columns, method: 'b' as const, args: [`p${i}`] })));
    expect(await read(plain.map((ref) => ref.id))).toEqual([0, 1, 2].map((i) => ({ ...none, args: [`p${i}`], queue: 'columns-b' })));
  });

  it('starts the due tasks of every queue of one batch at once, beside delayed ones', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Columns], worker: { pollIntervalMs: 60_000 } }));
    const tasks = app.get(TaskQueue);
    await tasks.addMany([
      { target: Columns, method: 'a', args: ['a-later'], options: { delayMs: 60_000 } },
      { target: Columns, method: 'a', args: ['a-now'] },
      { target: Columns, method: 'b', args: ['b-later'], options: { delayMs: 60_000 } },
      { target: Columns, method: 'b', args: ['b-now'] },
    ]);
    // Woken by the batch's notification: the poll is a minute away.
    await waitFor(() => ran.includes('a-now') && ran.includes('b-now'), 5_000, 'the due tasks of both queues');
    expect(ran.filter((label) => label.endsWith('-later'))).toEqual([]);
  });
});
