import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { QueuedTask, TaskQueue, queuedTasksEntities, queuedTasksMigrations, type TaskRecord } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';

@Injectable()
class Echo {
  @QueuedTask({ name: 'echo' })
  async echo(value: string): Promise<string> {
    return value;
  }
}

describe('schema and migrations', () => {
  const { db, track } = useTestDatabase();

  it('migrates a fresh schema once when several instances boot at the same time', async () => {
    const apps = await Promise.all(
      Array.from({ length: 4 }, () => startTestApp({ url: db().url, providers: [Echo], schema: 'concurrent_boot' })),
    );
    apps.forEach(track);
    const applied = await db().query(`SELECT name FROM concurrent_boot.migrations`);
    expect(applied).toEqual([{ name: 'CreateQueuedTasksTables1732147200000' }, { name: 'WorkerLeases1763683200000' }, { name: 'ScheduledState1764115200000' }, { name: 'TaskControl1764201600000' }, { name: 'UniqueKeys1764288000000' }, { name: 'TaskReports1764374400000' }, { name: 'QueueControls1764460800000' }, { name: 'Schedules1764547200000' }]);
    const ref = await apps[0]!.get(TaskQueue).add(Echo, 'echo', ['in a custom schema']);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe('in a custom schema');
    const [row] = await db().query(`SELECT name, state FROM concurrent_boot.tasks WHERE id = $1`, [ref.id]);
    expect(row).toEqual({ name: 'echo', state: 'completed' });
  });

  it("runs on the application's own DataSource and leaves it open", async () => {
    const dataSource = new DataSource({
      type: 'postgres',
      url: db().url,
      entities: queuedTasksEntities('app_owned'),
      migrations: queuedTasksMigrations('app_owned'),
      migrationsTableName: 'app_migrations',
    });
    await dataSource.initialize();
    try {
      // The application runs the queue's migrations itself, with its own tooling.
      await dataSource.runMigrations();
      const pool = (dataSource.driver as unknown as { master: { listenerCount(event: string): number } }).master;
      const connectListeners = pool.listenerCount('connect');
      const app = await startTestApp({ dataSource, providers: [Echo], schema: 'app_owned', migrationsRun: false });
      const ref = await app.get(TaskQueue).add(Echo, 'echo', ['shared pool']);
      expect(await ref.result({ timeoutMs: 10_000 })).toBe('shared pool');
      await app.close();
      expect(dataSource.isInitialized).toBe(true);
      // Nothing of ours stays on the application's pool.
      expect(pool.listenerCount('connect')).toBe(connectListeners);
      // The entities map the table for the application's own queries.
      const record = await dataSource.getRepository<TaskRecord>('QueuedTask:app_owned').findOneByOrFail({ id: ref.id });
      expect(record).toMatchObject({ name: 'echo', state: 'completed', result: 'shared pool', maxAttempts: 3 });
      expect(record.finishedAt).toBeInstanceOf(Date);
    } finally {
      await dataSource.destroy();
    }
  });

  it('does not apply a migration twice when both the application and the module run them', async () => {
    const dataSource = new DataSource({ type: 'postgres', url: db().url, migrations: queuedTasksMigrations('both_ways') });
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
      const app = await startTestApp({ dataSource, providers: [Echo], schema: 'both_ways' });
      const ref = await app.get(TaskQueue).add(Echo, 'echo', ['idempotent']);
      expect(await ref.result({ timeoutMs: 10_000 })).toBe('idempotent');
      await app.close();
    } finally {
      await dataSource.destroy();
    }
  });
});
