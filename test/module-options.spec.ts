import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { QueuedTask, QueuedTasksModule, TaskQueue, WorkerStatus } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';
import { NoStackLogger } from './support/no-stack-logger.js';

@Injectable()
class Jobs {
  readonly ran: string[] = [];

  @QueuedTask({ name: 'jobs.plain' })
  async plain(label: string): Promise<void> {
    this.ran.push(label);
  }

  @QueuedTask({ name: 'jobs.urgent', queue: 'urgent', priority: 50, maxAttempts: 2 })
  async urgent(label: string): Promise<void> {
    this.ran.push(label);
  }
}

describe('module options', () => {
  const { db, track } = useTestDatabase();

  it('merges task options: the call over the decorator over the module defaults', async () => {
    const app = track(
      await startTestApp({
        url: db().url,
        providers: [Jobs],
        worker: { enabled: false },
        defaults: { queue: 'bulk', priority: -1, maxAttempts: 7, timeoutMs: 9_000, backoff: { type: 'fixed', delayMs: 10 } },
      }),
    );
    const tasks = app.get(TaskQueue);
    const fromDefaults = await tasks.get((await tasks.add(Jobs, 'plain', ['a'])).id);
    expect(fromDefaults).toMatchObject({ queue: 'bulk', priority: -1, maxAttempts: 7 });
    const fromDecorator = await tasks.get((await tasks.add(Jobs, 'urgent', ['b'])).id);
    expect(fromDecorator).toMatchObject({ queue: 'urgent', priority: 50, maxAttempts: 2 });
    const fromCall = await tasks.get((await tasks.add(Jobs, 'urgent', ['c'], { queue: 'other', priority: 1, maxAttempts: 4 })).id);
    expect(fromCall).toMatchObject({ queue: 'other', priority: 1, maxAttempts: 4 });
    const [stored] = await db().query(`SELECT backoff, timeout_ms FROM queued_tasks.tasks WHERE id = $1`, [fromCall.id]);
    expect(stored).toEqual({ backoff: { type: 'fixed', delayMs: 10 }, timeout_ms: 9_000 });
  });

  it('serves only the queues listed in worker.queues', async () => {
    const worker = track(await startTestApp({ url: db().url, providers: [Jobs], worker: { queues: ['urgent'] } }));
    const tasks = worker.get(TaskQueue);
    const urgent = await tasks.add(Jobs, 'urgent', ['served']);
    const plain = await tasks.add(Jobs, 'plain', ['not served']);
    await urgent.result({ timeoutMs: 5_000 });
    await sleep(300);
    expect(await plain.status()).toBe('pending');
    expect(worker.get(Jobs).ran).toContain('served');
    expect(worker.get(Jobs).ran).not.toContain('not served');
    await plain.info().then((info) => expect(info.queue).toBe('default'));
    // Hand it to a worker of the default queue so the next test starts clean.
    const other = track(await startTestApp({ url: db().url, providers: [Jobs], worker: { queues: ['default'] } }));
    await waitFor(async () => (await plain.status()) === 'completed', 5_000, 'default-queue worker');
    expect(other.get(Jobs).ran).toContain('not served');
  });

  it('shows its worker through WorkerStatus, read-only: running while it claims, queues it serves, not after close', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Jobs], worker: { queues: { urgent: { concurrency: 3 } } } }));
    const status = app.get(WorkerStatus);
    expect(status.snapshot()).toEqual({ running: true, activeCount: 0, id: expect.any(String), queues: ['urgent'], concurrency: 3 });
    await app.close();
    expect(status.snapshot()).toMatchObject({ running: false, activeCount: 0 });
    const webNode = track(await startTestApp({ url: db().url, providers: [Jobs], worker: { enabled: false } }));
    expect(webNode.get(WorkerStatus).snapshot()).toEqual({ running: false, activeCount: 0, id: null, queues: null, concurrency: 10 });
  });

  it('takes its options from forRootAsync with injected providers', async () => {
    const url = db().url;
    @Injectable()
    class QueueSettings {
      readonly url = url;
      readonly concurrency = 2;
    }
    @Module({ providers: [QueueSettings], exports: [QueueSettings] })
    class SettingsModule {}
    @Module({
      imports: [
        QueuedTasksModule.forRootAsync({
          imports: [SettingsModule],
          inject: [QueueSettings],
          useFactory: (settings: QueueSettings) => ({
            connection: { url: settings.url, poolSize: 2 },
            worker: { concurrency: settings.concurrency },
          }),
        }),
      ],
      providers: [Jobs],
    })
    class AsyncAppModule {}
    const app = track(await NestFactory.createApplicationContext(AsyncAppModule, { logger: new NoStackLogger() }));
    const ref = await app.get(TaskQueue).add(Jobs, 'plain', ['async']);
    await ref.result({ timeoutMs: 5_000 });
    const [worker] = await db().query(`SELECT concurrency FROM queued_tasks.workers`);
    expect(worker).toEqual({ concurrency: 2 });
  });
});
