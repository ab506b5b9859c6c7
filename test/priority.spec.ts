import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue } from '../lib/index.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { waitFor } from './support/wait-for.js';
import { byAnyName } from './support/by-any-name.js';

@Injectable()
class Recorder {
  readonly order: string[] = [];

  @QueuedTask({ name: 'record' })
  async record(label: string): Promise<void> {
    this.order.push(label);
  }
}

describe('priority and order', () => {
  const { db, track } = useTestDatabase();

  it('runs higher priority first and equal priorities first-in first-out (concurrency 1)', async () => {
    const producer = track(await startTestApp({ url: db().url, providers: [Recorder], worker: { enabled: false } }));
    const tasks = producer.get(TaskQueue);
    const plan: [string, number][] = [
      ['low-1', -5], ['mid-1', 0], ['high-1', 10], ['mid-2', 0], ['low-2', -5],
      ['high-2', 10], ['mid-3', 0], ['top-1', 100], ['high-3', 10], ['mid-4', 0],
    ];
    for (const [label, priority] of plan) await tasks.add(Recorder, 'record', [label], { priority });
    await producer.close();

    const worker = track(await startTestApp({ url: db().url, providers: [Recorder], worker: { concurrency: 1, prefetch: 0 } }));
    const recorder = worker.get(Recorder);
    await waitFor(() => recorder.order.length === plan.length, 10_000, 'all tasks');
    expect(recorder.order).toEqual(['top-1', 'high-1', 'high-2', 'high-3', 'mid-1', 'mid-2', 'mid-3', 'mid-4', 'low-1', 'low-2']);
  });

  it('keeps the order with prefetch: a claimed batch starts highest priority first', async () => {
    const producer = track(await startTestApp({ url: db().url, providers: [Recorder], worker: { enabled: false } }));
    const tasks = producer.get(TaskQueue);
    await byAnyName(tasks).addMany(Array.from({ length: 20 }, (_, i) => ({ name: 'record', args: [`p${i % 4}-${i}`], options: { priority: i % 4 } })));
    await producer.close();
    const worker = track(await startTestApp({ url: db().url, providers: [Recorder], worker: { concurrency: 1, prefetch: 50 } }));
    const recorder = worker.get(Recorder);
    await waitFor(() => recorder.order.length === 20, 10_000, 'all tasks');
    const priorities = recorder.order.map((label) => Number(label[1]));
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    const fifoWithin = recorder.order.filter((label) => label.startsWith('p3')).map((label) => Number(label.split('-')[1]));
    expect(fifoWithin).toEqual([...fifoWithin].sort((a, b) => a - b));
  });
});
