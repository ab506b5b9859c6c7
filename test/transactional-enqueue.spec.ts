/**
 * Transactional enqueue (issue 9): a task added with `{ manager }` exists if
 * and only if the caller's TypeORM transaction commits; workers do not see
 * it while the transaction is open and hear of it at commit; a manager
 * outside a transaction is refused. With the module on its own connection
 * and on the application's DataSource.
 */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InvalidTaskOptionsError, QueuedTask, TaskQueue, queuedTasksEntities } from '../lib/index.js';
import { byAnyName } from './support/by-any-name.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';

@Injectable()
class Mail {
  static sent: string[] = [];

  @QueuedTask({ name: 'tx.welcome' })
  async welcome(email: string): Promise<string> {
    Mail.sent.push(email);
    return email;
  }
}

describe('transactional enqueue', () => {
  const { db, track } = useTestDatabase();
  // The application's own DataSource, opened and closed by each test (the leak check counts its connections).
  let appData: DataSource;
  const openAppData = async () => {
    appData = new DataSource({ type: 'postgres', url: db().url });
    await appData.initialize();
    await appData.query(`CREATE TABLE IF NOT EXISTS public.users (email text PRIMARY KEY)`);
  };
  const closeAppData = async () => {
    await appData?.destroy().catch(() => undefined);
  };
  beforeEach(() => {
    Mail.sent = [];
  });
  const withAppData = async (test: () => Promise<void>) => {
    await openAppData();
    try {
      await test();
    } finally {
      await closeAppData();
    }
  };

  const taskCount = async (email: string) =>
    Number((await db().query<{ n: string }>(`SELECT count(*) AS n FROM queued_tasks.tasks WHERE args = $1::jsonb`, [JSON.stringify([email])]))[0]!.n);

  it('writes nothing when the transaction rolls back, and runs the task when it commits', () => withAppData(async () => {
    const tasks = track(await startTestApp({ url: db().url, providers: [Mail], worker: { pollIntervalMs: 60_000 } })).get(TaskQueue);
    await expect(
      appData.transaction(async (manager) => {
        await manager.query(`INSERT INTO public.users (email) VALUES ('rolled@back')`);
        await tasks.add(Mail, 'welcome', ['rolled@back'], { manager });
        throw new Error('the app changes its mind');
      }),
    ).rejects.toThrow('the app changes its mind');
    expect(await taskCount('rolled@back')).toBe(0);

    const ref = await appData.transaction(async (manager) => {
      await manager.query(`INSERT INTO public.users (email) VALUES ('com@mitted')`);
      return tasks.add(Mail, 'welcome', ['com@mitted'], { manager });
    });
    // The wake-up rode on the commit: picked up long before the minute-long poll.
    expect(await ref.result({ timeoutMs: 5_000 })).toBe('com@mitted');
    expect(Mail.sent).toEqual(['com@mitted']);
  }));

  it('keeps a task of an open transaction invisible to workers until the commit', () => withAppData(async () => {
    const tasks = track(await startTestApp({ url: db().url, providers: [Mail], worker: { pollIntervalMs: 200 } })).get(TaskQueue);
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    let id = '';
    const transaction = appData.transaction(async (manager) => {
      id = (await tasks.add(Mail, 'welcome', ['open@tx'], { manager })).id;
      await committed;
    });
    await waitFor(() => id !== '', 5_000, 'the add inside the transaction');
    await sleep(600); // three polls
    expect(Mail.sent).toEqual([]);
    expect(await taskCount('open@tx')).toBe(0);
    commit();
    await transaction;
    await waitFor(() => Mail.sent.includes('open@tx'), 5_000, 'the task to run after the commit');
    // The handler's end is written just after it returns (batched): wait for that write, not only the side effect.
    await waitFor(async () => (await tasks.get(id)).state === 'completed', 5_000, 'its completion to be written');
    expect((await tasks.get(id)).state).toBe('completed');
  }));

  it('writes addMany, flows and dependencies in the transaction too', () => withAppData(async () => {
    const tasks = track(await startTestApp({ url: db().url, providers: [Mail], worker: { enabled: false } })).get(TaskQueue);
    await appData
      .transaction(async (manager) => {
        await byAnyName(tasks).addMany([{ name: 'tx.welcome', args: ['many@tx'] }], { manager });
        const parent = await tasks.add(Mail, 'welcome', ['parent@tx'], { manager });
        await tasks.add(Mail, 'welcome', ['child@tx'], { manager, dependsOn: [parent] });
        await tasks.flow((f) => f.add(Mail, 'welcome', ['flow@tx']), { manager });
        throw new Error('roll it all back');
      })
      .catch(() => undefined);
    for (const email of ['many@tx', 'parent@tx', 'child@tx', 'flow@tx']) expect(await taskCount(email)).toBe(0);
    await appData.transaction(async (manager) => {
      const parent = await tasks.add(Mail, 'welcome', ['parent2@tx'], { manager });
      await tasks.add(Mail, 'welcome', ['child2@tx'], { manager, dependsOn: [parent] });
    });
    const [child] = await db().query<{ state: string; pending_parents: number }>(
      `SELECT state, pending_parents FROM queued_tasks.tasks WHERE args = '["child2@tx"]'::jsonb`,
    );
    expect(child).toEqual({ state: 'blocked', pending_parents: 1 });
  }));

  it('deduplicates unique keys inside the transaction, and keeps nothing of them after a rollback', () => withAppData(async () => {
    const tasks = track(await startTestApp({ url: db().url, providers: [Mail], worker: { enabled: false } })).get(TaskQueue);
    const refs = await appData.transaction(async (manager) => {
      const first = await tasks.add(Mail, 'welcome', ['keyed@tx'], { manager, unique: { key: 'welcome:keyed' } });
      const second = await tasks.add(Mail, 'welcome', ['keyed@tx'], { manager, unique: { key: 'welcome:keyed' } });
      return [first, second];
    });
    expect([refs[0]!.deduplicated, refs[1]!.deduplicated, refs[1]!.id]).toEqual([false, true, refs[0]!.id]);
    await appData
      .transaction(async (manager) => {
        await tasks.add(Mail, 'welcome', ['rolled-key@tx'], { manager, unique: { key: 'welcome:rolled' } });
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const again = await tasks.add(Mail, 'welcome', ['rolled-key@tx'], { unique: { key: 'welcome:rolled' } });
    expect(again.deduplicated).toBe(false);
  }));

  it('refuses a manager outside a transaction, and one given per request of a batch', () => withAppData(async () => {
    const tasks = track(await startTestApp({ url: db().url, providers: [Mail], worker: { enabled: false } })).get(TaskQueue);
    await expect(tasks.add(Mail, 'welcome', ['no@tx'], { manager: appData.manager })).rejects.toBeInstanceOf(InvalidTaskOptionsError);
    await expect(byAnyName(tasks).addMany([{ name: 'tx.welcome', args: ['x'] }], { manager: appData.manager })).rejects.toThrow(/open transaction/);
    await appData.transaction(async (manager) => {
      await expect(byAnyName(tasks).addMany([{ name: 'tx.welcome', args: ['x'], options: { manager } }])).rejects.toThrow(/addMany\(requests, \{ manager \}\)/);
    });
    expect(await taskCount('no@tx')).toBe(0);
  }));

  it("works with the module on the application's own DataSource", () => withAppData(async () => {
    const shared = new DataSource({ type: 'postgres', url: db().url, entities: queuedTasksEntities() });
    await shared.initialize();
    const app = await startTestApp({ dataSource: shared, providers: [Mail], worker: { pollIntervalMs: 60_000 } });
    try {
      const tasks = app.get(TaskQueue);
      const ref = await shared.transaction((manager) => tasks.add(Mail, 'welcome', ['shared@ds'], { manager }));
      expect(await ref.result({ timeoutMs: 5_000 })).toBe('shared@ds');
    } finally {
      await app.close();
      await shared.destroy();
    }
  }));
});
