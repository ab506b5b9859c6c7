/**
 * The enqueue side of per-key concurrency (issue 11), with no worker: every
 * write path stores `concurrencyKey` and the definition's `keyConcurrency`
 * (as `key_limit`, only beside a key), the queue is marked keyed before its
 * first keyed task is written (once, with one `{"k":"q"}` notification, and
 * not rolled back with the caller's transaction), tasks without a key send
 * no extra statement, and bad values are named errors that write nothing.
 * How the keyed tasks are claimed is the claim side's (claim-plan.spec.ts).
 */
import { Injectable } from '@nestjs/common';
import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { InvalidTaskOptionsError, QueuedTask, TaskQueue } from '../lib/index.js';
import { QueueDatabase } from '../lib/persistence/queue-database.js';
import { byAnyName } from './support/by-any-name.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';

@Injectable()
class Billing {
  @QueuedTask({ name: 'ck.charge', queue: 'billing', keyConcurrency: 2 })
  async charge(customer: string, amount: number): Promise<number> {
    return amount + customer.length;
  }

  @QueuedTask({ name: 'ck.refund', queue: 'billing' })
  async refund(customer: string): Promise<string> {
    return customer;
  }

  @QueuedTask({ name: 'ck.mail', queue: 'mail', keyConcurrency: 3 })
  async mail(to: string): Promise<string> {
    return to;
  }

  @QueuedTask({ name: 'ck.audit', queue: 'audit' })
  async audit(entry: string): Promise<string> {
    return entry;
  }
}

interface StoredKey {
  id: string;
  queue: string;
  concurrency_key: string | null;
  key_limit: number | null;
}

describe('concurrency key options (enqueue side)', () => {
  const { db, track } = useTestDatabase();
  const producer = async () => track(await startTestApp({ url: db().url, providers: [Billing], worker: { enabled: false } }));
  const stored = async (id: string) =>
    (await db().query<StoredKey>(`SELECT id::text, queue, concurrency_key, key_limit FROM queued_tasks.tasks WHERE id = $1`, [id]))[0]!;
  /** One query for many (the assertion connection runs one statement at a time). */
  const storedAll = async (refs: readonly { id: string }[]) =>
    db().query<StoredKey>(
      `SELECT id::text, queue, concurrency_key, key_limit FROM queued_tasks.tasks t JOIN unnest($1::bigint[]) WITH ORDINALITY AS i(id, n) USING (id) ORDER BY n`,
      [refs.map((ref) => ref.id)],
    );
  const queueRow = async (name: string) =>
    (await db().query<{ keyed: boolean; controlled: boolean }>(`SELECT keyed, controlled FROM queued_tasks.queues WHERE name = $1`, [name]))[0];
  const taskCount = async () => Number((await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks`))[0]!.n);
  const queueCount = async () => Number((await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.queues`))[0]!.n);

  /** Payloads of `{"k":"q"}` notifications heard on the queue's channel, from now until `stop()`. */
  async function listenForQueueChanges(): Promise<{ heard: string[]; stop: () => Promise<void> }> {
    const heard: string[] = [];
    const handler = (message: { payload?: string }) => {
      if (message.payload && (JSON.parse(message.payload) as { k: string }).k === 'q') heard.push(message.payload);
    };
    db().client.on('notification', handler);
    await db().query('LISTEN "queued_tasks_events"');
    return {
      heard,
      stop: async () => {
        await db().query('UNLISTEN *');
        db().client.removeListener('notification', handler);
      },
    };
  }

  it('stores the key, and the definition limit beside a key only, through add, addMany and flow', async () => {
    const tasks = (await producer()).get(TaskQueue);
    const single = await tasks.add(Billing, 'charge', ['ann', 10], { concurrencyKey: 'customer:ann' });
    const noLimit = await tasks.add(Billing, 'refund', ['ann'], { concurrencyKey: 'customer:ann' });
    const noKey = await tasks.add(Billing, 'charge', ['bob', 5]);
    expect(await stored(single.id)).toMatchObject({ queue: 'billing', concurrency_key: 'customer:ann', key_limit: 2 });
    expect(await stored(noLimit.id)).toMatchObject({ concurrency_key: 'customer:ann', key_limit: null });
    expect(await stored(noKey.id)).toMatchObject({ concurrency_key: null, key_limit: null });

    const many = await tasks.addMany([
      { target: Billing, method: 'charge', args: ['cy', 1], options: { concurrencyKey: 'customer:cy' } },
      { target: Billing, method: 'charge', args: ['dee', 2] },
      { target: Billing, method: 'mail', args: ['dee@x'], options: { concurrencyKey: 'smtp' } },
    ]);
    expect(await storedAll(many)).toMatchObject([
      { concurrency_key: 'customer:cy', key_limit: 2 },
      { concurrency_key: null, key_limit: null },
      { queue: 'mail', concurrency_key: 'smtp', key_limit: 3 },
    ]);

    let parentId = '';
    const merged = await tasks.flow((f) => {
      const parent = f.add(Billing, 'charge', ['eve', 3], { concurrencyKey: 'customer:eve' });
      const child = f.add(Billing, 'refund', ['eve'], { dependsOn: [parent] });
      return f.add(Billing, 'mail', ['eve@x'], { dependsOn: [child], concurrencyKey: 'smtp' });
    });
    const graph = await db().query<StoredKey & { name: string }>(
      `SELECT id::text, name, queue, concurrency_key, key_limit FROM queued_tasks.tasks WHERE root_task_id IS NULL AND args::text LIKE '%eve%' ORDER BY id`,
    );
    expect(graph).toMatchObject([
      { name: 'ck.charge', concurrency_key: 'customer:eve', key_limit: 2 },
      { name: 'ck.refund', concurrency_key: null, key_limit: null },
      { name: 'ck.mail', concurrency_key: 'smtp', key_limit: 3 },
    ]);
    parentId = graph[0]!.id;
    expect((await tasks.get(merged.id)).concurrencyKey).toBe('smtp');
    expect((await tasks.get(parentId)).concurrencyKey).toBe('customer:eve');
    expect((await tasks.get(noKey.id)).concurrencyKey).toBeNull();
    // A task of a dependency (with parents, one add) goes through the graph insert too.
    const dependent = await tasks.add(Billing, 'refund', ['fay'], { dependsOn: [noKey], concurrencyKey: 'customer:fay' });
    expect(await stored(dependent.id)).toMatchObject({ concurrency_key: 'customer:fay', key_limit: null });
  });

  it('stores the key with unique, throttle and debounce keys, alone and in a batch', async () => {
    const tasks = (await producer()).get(TaskQueue);
    const unique = await tasks.add(Billing, 'charge', ['gus', 1], { concurrencyKey: 'customer:gus', unique: { key: 'charge:gus' } });
    const duplicate = await tasks.add(Billing, 'charge', ['gus', 1], { concurrencyKey: 'customer:gus', unique: { key: 'charge:gus' } });
    expect(duplicate.deduplicated).toBe(true);
    expect(duplicate.id).toBe(unique.id);
    const throttled = await tasks.add(Billing, 'refund', ['gus'], { concurrencyKey: 'customer:gus', throttle: { key: 'gus', periodMs: 60_000 } });
    const debounced = await tasks.add(Billing, 'mail', ['gus@x'], { concurrencyKey: 'smtp', debounce: { key: 'gus', delayMs: 60_000 } });
    expect(await stored(unique.id)).toMatchObject({ concurrency_key: 'customer:gus', key_limit: 2 });
    expect(await stored(throttled.id)).toMatchObject({ concurrency_key: 'customer:gus', key_limit: null });
    expect(await stored(debounced.id)).toMatchObject({ queue: 'mail', concurrency_key: 'smtp', key_limit: 3 });

    const batch = await byAnyName(tasks).addMany([
      { name: 'ck.charge', args: ['hal', 1], options: { concurrencyKey: 'customer:hal', unique: { key: 'charge:hal' } } },
      { name: 'ck.charge', args: ['hal', 2], options: { concurrencyKey: 'customer:hal' } },
      { name: 'ck.refund', args: ['hal'] },
    ]);
    expect(await storedAll(batch)).toMatchObject([
      { concurrency_key: 'customer:hal', key_limit: 2 },
      { concurrency_key: 'customer:hal', key_limit: 2 },
      { concurrency_key: null, key_limit: null },
    ]);
  });

  it('marks a queue keyed before its first keyed task, once, with one notification, and leaves other queues alone', async () => {
    const listening = await listenForQueueChanges();
    try {
      const first = (await producer()).get(TaskQueue);
      const second = (await producer()).get(TaskQueue);
      await first.add(Billing, 'audit', ['no key']);
      expect(await queueRow('audit')).toBeUndefined();
      // Two processes' first keyed adds at once: both send the statement, one changes the row.
      await Promise.all([
        ...Array.from({ length: 5 }, (_, i) => first.add(Billing, 'audit', [`a${i}`], { concurrencyKey: `k${i % 2}` })),
        ...Array.from({ length: 5 }, (_, i) => second.add(Billing, 'audit', [`b${i}`], { concurrencyKey: `k${i % 2}` })),
      ]);
      expect(await queueRow('audit')).toEqual({ keyed: true, controlled: true });
      // The mark committed before the first keyed insert began.
      const [order] = await db().query<{ before: boolean }>(
        `SELECT q.updated_at < min(t.created_at) AS before FROM queued_tasks.queues q JOIN queued_tasks.tasks t ON t.queue = q.name
         WHERE q.name = 'audit' AND t.concurrency_key IS NOT NULL GROUP BY q.updated_at`,
      );
      expect(order!.before).toBe(true);
      await waitFor(() => listening.heard.length > 0, 5_000, 'the {"k":"q"} notification');
      await first.add(Billing, 'audit', ['later'], { concurrencyKey: 'k0' });
      await sleep(300);
      expect(listening.heard).toEqual(['{"k":"q"}']);
    } finally {
      await listening.stop();
    }
  });

  it('sends the mark only for the first keyed add per queue, and nothing for tasks without a key', async () => {
    const app = await producer();
    const tasks = app.get(TaskQueue);
    const query = jest.spyOn(app.get(QueueDatabase), 'query');
    const marks = () => query.mock.calls.filter(([statement]) => String(typeof statement === 'string' ? statement : statement.text).includes('.queues')).length;
    await tasks.add(Billing, 'charge', ['ivy', 1]);
    await tasks.addMany([{ target: Billing, method: 'charge', args: ['ivy', 2] }]);
    await tasks.flow((f) => f.add(Billing, 'charge', ['ivy', 3]));
    expect(marks()).toBe(0);
    await tasks.add(Billing, 'charge', ['ivy', 4], { concurrencyKey: 'customer:ivy' });
    expect(marks()).toBe(1);
    await tasks.add(Billing, 'charge', ['ivy', 5], { concurrencyKey: 'customer:ivy' });
    await tasks.addMany([{ target: Billing, method: 'refund', args: ['ivy'], options: { concurrencyKey: 'customer:ivy' } }]);
    await tasks.flow((f) => f.add(Billing, 'charge', ['ivy', 6], { concurrencyKey: 'other' }));
    expect(marks()).toBe(1);
    await tasks.add(Billing, 'mail', ['ivy@x'], { concurrencyKey: 'smtp' });
    expect(marks()).toBe(2);
    query.mockRestore();
  });

  it('in the caller\'s transaction: stores the key, and the mark commits on its own, even when the transaction rolls back', async () => {
    const tasks = (await producer()).get(TaskQueue);
    const appData = new DataSource({ type: 'postgres', url: db().url });
    await appData.initialize();
    try {
      await appData
        .transaction(async (manager) => {
          await tasks.add(Billing, 'audit', ['rolled back'], { manager, concurrencyKey: 'tx' });
          throw new Error('the app changes its mind');
        })
        .catch(() => undefined);
      expect(await queueRow('audit')).toEqual({ keyed: true, controlled: true });
      const refs = await appData.transaction(async (manager) => {
        const one = await tasks.add(Billing, 'mail', ['tx@x'], { manager, concurrencyKey: 'smtp' });
        const many = await tasks.addMany([{ target: Billing, method: 'charge', args: ['tx', 1], options: { concurrencyKey: 'customer:tx' } }], { manager });
        const flow = await tasks.flow((f) => f.add(Billing, 'charge', ['tx', 2], { concurrencyKey: 'customer:tx' }), { manager });
        return [one, ...many, flow];
      });
      expect(await storedAll(refs)).toMatchObject([
        { concurrency_key: 'smtp', key_limit: 3 },
        { concurrency_key: 'customer:tx', key_limit: 2 },
        { concurrency_key: 'customer:tx', key_limit: 2 },
      ]);
      expect(await queueRow('mail')).toEqual({ keyed: true, controlled: true });
      expect(await queueRow('billing')).toEqual({ keyed: true, controlled: true });
    } finally {
      await appData.destroy();
    }
  });

  it('refuses a bad key with InvalidTaskOptionsError naming it, and writes nothing', async () => {
    const tasks = (await producer()).get(TaskQueue);
    const tasksBefore = await taskCount();
    const queuesBefore = await queueCount();
    for (const concurrencyKey of ['', 'x'.repeat(256), 'line\nbreak', 'nul\u0000', '\ud800 lone', 42, null, ['k'], { key: 'k' }]) {
      const error = await tasks.add(Billing, 'audit', ['bad'], { concurrencyKey } as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTaskOptionsError);
      expect((error as InvalidTaskOptionsError).option).toBe('concurrencyKey');
    }
    expect(((await tasks.add(Billing, 'audit', ['bad'], { concurrencyKey: 'x'.repeat(256) }).catch((e: unknown) => e)) as Error).message).toContain(
      'must be a string of 1 to 255 characters (got 256 characters)',
    );
    const inBatch = await tasks
      .addMany([
        { target: Billing, method: 'audit', args: ['ok'], options: { concurrencyKey: 'fine' } },
        { target: Billing, method: 'audit', args: ['bad'], options: { concurrencyKey: '' } },
      ])
      .catch((e: unknown) => e);
    expect(inBatch).toBeInstanceOf(InvalidTaskOptionsError);
    expect((inBatch as Error).message).toContain('requests[1].options');
    const inFlow = await tasks.flow((f) => f.add(Billing, 'audit', ['bad'], { concurrencyKey: 7 as never })).catch((e: unknown) => e);
    expect((inFlow as InvalidTaskOptionsError).option).toBe('concurrencyKey');
    expect(await taskCount()).toBe(tasksBefore);
    expect(await queueCount()).toBe(queuesBefore);
    // The longest key is accepted.
    const longest = await tasks.add(Billing, 'audit', ['long'], { concurrencyKey: 'x'.repeat(255) });
    expect((await tasks.get(longest.id)).concurrencyKey).toHaveLength(255);
  });

  it.each([
    ['0', 0],
    ['1.5', 1.5],
    ['2^31', 2 ** 31],
    ['a string', '2'],
  ])('keyConcurrency %s fails bootstrap with InvalidTaskOptionsError naming class and method', async (_label, keyConcurrency) => {
    @Injectable()
    class BadlyKeyed {
      @QueuedTask({ keyConcurrency: keyConcurrency as number })
      async run(): Promise<void> {}
    }
    const error = await startTestApp({ url: db().url, providers: [BadlyKeyed], expectBootstrapFailure: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTaskOptionsError);
    expect((error as InvalidTaskOptionsError).option).toBe('keyConcurrency');
    expect((error as Error).message).toContain('@QueuedTask() of BadlyKeyed.run');
  });
});
