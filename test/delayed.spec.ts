import { Injectable } from '@nestjs/common';
import { QueuedTask, TaskQueue } from '../lib/index.js';
import { byAnyName } from './support/by-any-name.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';

@Injectable()
class Clock {
  readonly startedAt = new Map<string, number>();

  @QueuedTask({ name: 'clock.tick' })
  async tick(label: string): Promise<void> {
    this.startedAt.set(label, Date.now());
  }
}

/** Long enough that a task picked up on time cannot have been found by polling. */
const SLOW_POLL_MS = 60_000;

describe('delayed tasks', () => {
  const { db, track } = useTestDatabase();

  it('starts a delayed task no sooner than its run time and within 250 ms after it', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Clock], worker: { pollIntervalMs: SLOW_POLL_MS } }));
    const tasks = app.get(TaskQueue);
    await sleep(100); // worker idle, past its first claim
    const plan = [
      { label: 'delay-700', delayMs: 700 },
      { label: 'delay-1200', delayMs: 1_200 },
      { label: 'run-at-900', runAt: new Date(Date.now() + 900) },
    ];
    const due = new Map<string, number>();
    for (const { label, ...options } of plan) {
      const before = Date.now();
      const ref = await tasks.add(Clock, 'tick', [label], options);
      const info = await ref.info();
      due.set(label, info.runAt.getTime());
      expect(info.runAt.getTime()).toBeGreaterThanOrEqual(before + (options.delayMs ?? options.runAt!.getTime() - before) - 50);
    }
    const clock = app.get(Clock);
    await waitFor(() => clock.startedAt.size === plan.length, 5_000, 'delayed tasks');
    for (const { label } of plan) {
      const late = clock.startedAt.get(label)! - due.get(label)!;
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(250);
    }
  });

  it('starts on time a delayed task announced together with due ones (one batch, one wake-up carrying no run time)', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Clock], worker: { pollIntervalMs: SLOW_POLL_MS } }));
    const tasks = app.get(TaskQueue);
    const clock = app.get(Clock);
    // The worker learns that nothing is scheduled, so it stops asking the database after each drain.
    await tasks.add(Clock, 'tick', ['warm-up']);
    await waitFor(() => clock.startedAt.has('warm-up'), 5_000, 'the warm-up task');
    await sleep(200);
    const [, delayed] = await byAnyName(tasks).addMany([
      { name: 'clock.tick', args: ['batch-due'] },
      { name: 'clock.tick', args: ['batch-delayed'], options: { delayMs: 800 } },
    ]);
    const runAt = (await delayed!.info()).runAt.getTime();
    await waitFor(() => clock.startedAt.has('batch-delayed'), 5_000, 'the delayed task of the batch');
    const late = clock.startedAt.get('batch-delayed')! - runAt;
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThanOrEqual(250);
  });

  it('picks up a delayed task enqueued by another process, and one enqueued before the worker started', async () => {
    const producer = track(await startTestApp({ url: db().url, providers: [Clock], worker: { enabled: false } }));
    const tasks = producer.get(TaskQueue);
    const early = await tasks.add(Clock, 'tick', ['before-start'], { delayMs: 1_500 });
    const worker = track(await startTestApp({ url: db().url, providers: [Clock], worker: { pollIntervalMs: SLOW_POLL_MS } }));
    await sleep(200);
    const late = await tasks.add(Clock, 'tick', ['after-start'], { delayMs: 600 });
    const clock = worker.get(Clock);
    await waitFor(() => clock.startedAt.size === 2, 5_000, 'delayed tasks');
    for (const [label, ref] of [['before-start', early], ['after-start', late]] as const) {
      const late = clock.startedAt.get(label)! - (await ref.info()).runAt.getTime();
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(250);
    }
  });

  it('picks up a due task at once through the notification, not the poll', async () => {
    const worker = track(await startTestApp({ url: db().url, providers: [Clock], worker: { pollIntervalMs: SLOW_POLL_MS } }));
    const producer = track(await startTestApp({ url: db().url, providers: [Clock], worker: { enabled: false } }));
    await sleep(100);
    const before = Date.now();
    await producer.get(TaskQueue).add(Clock, 'tick', ['now']);
    const clock = worker.get(Clock);
    await waitFor(() => clock.startedAt.has('now'), 2_000, 'task');
    expect(clock.startedAt.get('now')! - before).toBeLessThan(250);
  });
});
