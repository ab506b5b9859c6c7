import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';

@Injectable()
class Archive {
  readonly ran: string[] = [];

  @QueuedTask({ name: 'archive.store' })
  async store(key: string): Promise<string> {
    this.ran.push(key);
    return `stored ${key}`;
  }
}

describe('durability', () => {
  const { db, track } = useTestDatabase();

  it('runs a task enqueued by a process without workers, after that process closed', async () => {
    const web = track(await startTestApp({ url: db().url, providers: [Archive], worker: { enabled: false } }));
    const ref = await web.get(TaskQueue).add(Archive, 'store', ['invoice-7']);
    // The row is committed when add() resolves.
    const [row] = await db().query(`SELECT state FROM queued_tasks.tasks WHERE id = $1`, [ref.id]);
    expect(row).toEqual({ state: 'pending' });
    await web.close();
    expect(web.get(Archive).ran).toEqual([]);

    const worker = track(await startTestApp({ url: db().url, providers: [Archive] }));
    const again = await worker.get(TaskQueue).ref<string>(ref.id);
    expect(await again.result({ timeoutMs: 10_000 })).toBe('stored invoice-7');
    expect(worker.get(Archive).ran).toEqual(['invoice-7']);
  });

  it('lets a process without workers wait for a result computed by another process', async () => {
    const worker = track(await startTestApp({ url: db().url, providers: [Archive] }));
    const web = track(await startTestApp({ url: db().url, providers: [Archive], worker: { enabled: false } }));
    const ref = await web.get(TaskQueue).add(Archive, 'store', ['report-1']);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe('stored report-1');
    expect(worker.get(Archive).ran).toEqual(['report-1']);
    expect(web.get(Archive).ran).toEqual([]);
  });

  it('times out waiting for a result without affecting the task', async () => {
    const web = track(await startTestApp({ url: db().url, providers: [Archive], worker: { enabled: false } }));
    const ref = await web.get(TaskQueue).add(Archive, 'store', ['later']);
    await expect(ref.result({ timeoutMs: 200 })).rejects.toMatchObject({ name: 'TaskResultTimeoutError' });
    expect(await ref.status()).toBe('pending');
  });
});
