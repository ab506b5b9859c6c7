/**
 * Task events (issue 10): `@OnTaskEvent()` listeners fire once per event in
 * the process where it happened, after the fact and never in the worker's
 * way; `events$` is the cluster-wide live view, carried by batched
 * notifications; `@OnWorkerEvent()` follows the worker's lifecycle.
 */
import { Injectable, Scope } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { firstValueFrom, filter as where, take, toArray, type Subscription } from 'rxjs';
import {
  InvalidEventListenerError,
  NonRetryableError,
  OnTaskEvent,
  OnWorkerEvent,
  QUEUED_TASKS_DATA_SOURCE,
  QueuedTask,
  TaskQueue,
  UnknownTaskEventError,
  currentTask,
  type TaskEvent,
  type TaskEventType,
  type TaskFailedEvent,
  type WorkerEvent,
  WorkerStatus,
} from '../lib/index.js';
import { RecordedTasksProducer as RecordedTasks } from './fixtures/recorded-tasks.producer.js';
import { createExecutionsTable } from './support/executions.js';
import { startWorkerProcess } from './support/worker-process.js';
import { NotificationListener } from '../lib/notifications/notification-listener.js';
import { TaskEventBus } from '../lib/events/task-event-bus.js';
import { NoStackLogger } from './support/no-stack-logger.js';
import { startTestApp } from './support/test-app.js';
import { useTestDatabase } from './support/suite.js';
import { sleep, waitFor } from './support/wait-for.js';

/** Records the warnings and errors the queue logs, and prints none. */
class RecordingLogger extends NoStackLogger {
  readonly warnings: unknown[][] = [];
  readonly errors: unknown[][] = [];
  override warn(message: unknown, ...rest: unknown[]): void {
    this.warnings.push([message, ...rest]);
  }
  override error(message: unknown, ...rest: unknown[]): void {
    this.errors.push([message, ...rest]);
  }
}

@Injectable()
class Jobs {
  static failOnce = new Set<string>();

  @QueuedTask({ name: 'events.ok', queue: 'mail' })
  async ok(value: number): Promise<number> {
    return value;
  }

  @QueuedTask({ name: 'events.other', queue: 'reports' })
  async other(value: number): Promise<number> {
    return value;
  }

  /** Fails its first attempt (retried at once), completes the second. */
  @QueuedTask({ name: 'events.flaky', queue: 'mail', maxAttempts: 2, backoff: { type: 'fixed', delayMs: 0 } })
  async flaky(): Promise<string> {
    const { id, attempt } = currentTask()!;
    if (attempt === 1) throw new Error(`first attempt of ${id} fails`);
    return 'second time lucky';
  }

  @QueuedTask({ name: 'events.doomed', queue: 'mail' })
  async doomed(): Promise<void> {
    throw new NonRetryableError('mailbox gone');
  }
}

/** Every event of every type, in the order heard, tagged with the instance (application) that heard it. */
@Injectable()
class Recorder {
  static count = 0;
  static heard: { app: number; event: TaskEvent }[] = [];
  readonly app = ++Recorder.count;

  @OnTaskEvent(['enqueued', 'started', 'progress', 'retrying', 'completed', 'failed', 'cancelled', 'rescued'])
  record(event: TaskEvent): void {
    Recorder.heard.push({ app: this.app, event });
  }
}

/** Reads each completed task back as its `completed` event arrives: the event must follow the commit. */
@Injectable()
class StateReader {
  static states: string[] = [];

  constructor(private readonly tasks: TaskQueue) {}

  @OnTaskEvent('completed')
  async onCompleted(event: TaskEvent): Promise<void> {
    StateReader.states.push((await this.tasks.get(event.taskId)).state);
  }
}

/**
 * Tasks of the 3-instance test: few enough that one process's events of an
 * interval fit one batch, so that events$ (which drops past that) sees them all.
 */
const TASKS_OF_3 = 12;

const ofTask = (id: string) => Recorder.heard.filter((h) => h.event.taskId === id).map((h) => h.event.type);

/**
 * A task's events with its `enqueued` first: that one is emitted when the
 * add's statement returned, and a worker may have started the task by then
 * (the README says events are ordered per process, not across the two roads).
 */
const enqueuedFirst = (types: string[]) => [...types.filter((t) => t === 'enqueued'), ...types.filter((t) => t !== 'enqueued')];

describe('task events', () => {
  const { db, track } = useTestDatabase();

  /** LISTENs on the events channel with the assertion connection; calls `heard` for each batch of events. */
  async function listenToBatches(heard: (payload: { e: unknown[]; d: number }, bytes: number) => void): Promise<() => Promise<void>> {
    const handler = (message: { payload?: string }) => {
      const payload = JSON.parse(message.payload!) as { k: string; e: unknown[]; d: number };
      if (payload.k === 'e') heard(payload, Buffer.byteLength(message.payload!));
    };
    db().client.on('notification', handler);
    await db().query('LISTEN "queued_tasks_task_events"');
    return async () => {
      await db().query('UNLISTEN *');
      db().client.removeListener('notification', handler);
    };
  }
  beforeEach(() => {
    Recorder.count = 0;
    Recorder.heard = [];
  });

  it('fires each type with its typed payload, in the process where it happened', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Jobs, Recorder] }));
    const tasks = app.get(TaskQueue);
    const ok = await tasks.add(Jobs, 'ok', [7]);
    const flaky = await tasks.add(Jobs, 'flaky', []);
    const doomed = await tasks.add(Jobs, 'doomed', []);
    await ok.result({ timeoutMs: 10_000 });
    await flaky.result({ timeoutMs: 10_000 });
    await expect(doomed.result({ timeoutMs: 10_000 })).rejects.toMatchObject({ name: 'TaskFailedError' });
    const scheduled = await tasks.add(Jobs, 'ok', [8], { delayMs: 60_000 });
    expect(await tasks.cancel(scheduled.id)).toBe('cancelled');
    await waitFor(() => ofTask(doomed.id).includes('failed') && ofTask(scheduled.id).includes('cancelled'), 5_000, 'the last events');

    expect(enqueuedFirst(ofTask(ok.id))).toEqual(['enqueued', 'started', 'completed']);
    expect(enqueuedFirst(ofTask(flaky.id))).toEqual(['enqueued', 'started', 'retrying', 'started', 'completed']);
    expect(enqueuedFirst(ofTask(doomed.id))).toEqual(['enqueued', 'started', 'failed']);
    expect(ofTask(scheduled.id)).toEqual(['enqueued', 'cancelled']);

    const find = <T extends TaskEventType>(id: string, type: T) => Recorder.heard.find((h) => h.event.taskId === id && h.event.type === type)!.event;
    expect(find(ok.id, 'enqueued')).toEqual({ type: 'enqueued', taskId: ok.id, name: 'events.ok', queue: 'mail', inTransaction: false, at: expect.any(Date) });
    expect(find(ok.id, 'started')).toMatchObject({ attempt: 1, maxAttempts: 3, workerId: expect.any(String) });
    expect(find(ok.id, 'completed')).toMatchObject({ attempt: 1, durationMs: expect.any(Number) });
    expect(find(flaky.id, 'retrying')).toMatchObject({
      attempt: 1,
      maxAttempts: 2,
      error: { name: 'Error', message: `first attempt of ${flaky.id} fails` },
      runAt: expect.any(Date),
    });
    expect(find(doomed.id, 'failed')).toEqual({
      type: 'failed',
      taskId: doomed.id,
      name: 'events.doomed',
      queue: 'mail',
      attempt: 1,
      maxAttempts: 3,
      error: { name: 'NonRetryableError', message: 'mailbox gone' },
      at: expect.any(Date),
    });
    expect(find(scheduled.id, 'cancelled')).toMatchObject({ wasRunning: false });
  });

  it('enqueued in a caller\'s transaction says so: it fires when the insert returned, before the commit that may not come', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Jobs, Recorder], worker: { enabled: false } }));
    const tasks = app.get(TaskQueue);
    const dataSource = app.get<DataSource>(QUEUED_TASKS_DATA_SOURCE);
    const committed = await dataSource.transaction((manager) => tasks.add(Jobs, 'ok', [1], { manager }));
    let rolledBack = '';
    await dataSource
      .transaction(async (manager) => {
        rolledBack = (await tasks.addMany([{ target: Jobs, method: 'ok', args: [2] }], { manager }))[0]!.id;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await waitFor(() => Recorder.heard.length === 2, 5_000, 'both events');
    expect(Recorder.heard.map((h) => [h.event.taskId, h.event.type, (h.event as { inTransaction: boolean }).inTransaction])).toEqual([
      [committed.id, 'enqueued', true],
      [rolledBack, 'enqueued', true],
    ]);
    // Left pending, it would run in the next test's worker.
    await tasks.cancel(committed.id);
  });

  it('a listener that throws, rejects or never resolves breaks nothing: tasks complete, one warning each, no stack trace', async () => {
    @Injectable()
    class BadListeners {
      @OnTaskEvent('completed')
      throws(): void {
        throw new Error('listener exploded');
      }
      @OnTaskEvent('started')
      rejects(): Promise<void> {
        return Promise.reject(new TypeError('listener rejected'));
      }
      @OnTaskEvent(['started', 'completed'])
      hangs(): Promise<void> {
        return new Promise(() => undefined);
      }
    }
    const logger = new RecordingLogger();
    const app = track(await startTestApp({ url: db().url, providers: [Jobs, BadListeners], logger }));
    const ref = await app.get(TaskQueue).add(Jobs, 'ok', [1]);
    expect(await ref.result({ timeoutMs: 10_000 })).toBe(1);
    expect(await ref.status()).toBe('completed');
    await waitFor(() => logger.warnings.length >= 2, 5_000, 'the warnings');
    await sleep(50);
    const lines = logger.warnings.filter(([message]) => String(message).startsWith('Event listener') && String(message).includes(`task ${ref.id} `));
    expect(lines.map(([message]) => String(message)).sort()).toEqual([
      `Event listener BadListeners.rejects failed on 'started' of task ${ref.id} (events.ok): TypeError: listener rejected`,
      `Event listener BadListeners.throws failed on 'completed' of task ${ref.id} (events.ok): Error: listener exploded`,
    ]);
    // A warning with its context only: no stack trace.
    expect(lines.every((line) => line.length === 2 && line[1] === 'QueuedTasks')).toBe(true);
    expect(logger.errors).toEqual([]);
  });

  it('fires completed once the completion is committed: a listener reading the task finds it completed', async () => {
    StateReader.states = [];
    const app = track(await startTestApp({ url: db().url, providers: [Jobs, StateReader] }));
    const tasks = app.get(TaskQueue);
    // Some completions ride on claims, others on statements of their own once the queue is drained.
    const refs = await tasks.addMany(Array.from({ length: 50 }, (_, i) => ({ target: Jobs, method: 'ok', args: [i] })));
    await waitFor(() => StateReader.states.length >= refs.length, 10_000, 'a completed event per task');
    expect(StateReader.states.filter((state) => state !== 'completed')).toEqual([]);
  });

  it('filters listeners by name and by queue', async () => {
    @Injectable()
    class Filtered {
      static heard: string[] = [];
      @OnTaskEvent('failed', { queue: 'mail' })
      onMailFailed(event: TaskFailedEvent): void {
        Filtered.heard.push(`mail failed ${event.name}`);
      }
      @OnTaskEvent('completed', { name: ['events.other', 'events.none'] })
      onOther(event: TaskEvent): void {
        Filtered.heard.push(`completed ${event.name}`);
      }
      @OnTaskEvent('completed', { name: 'events.ok', queue: 'reports' })
      never(): void {
        Filtered.heard.push('never');
      }
    }
    const app = track(await startTestApp({ url: db().url, providers: [Jobs, Filtered] }));
    const tasks = app.get(TaskQueue);
    await (await tasks.add(Jobs, 'ok', [1])).result({ timeoutMs: 10_000 });
    await (await tasks.add(Jobs, 'other', [2])).result({ timeoutMs: 10_000 });
    const doomed = await tasks.add(Jobs, 'doomed', []);
    await expect(doomed.result({ timeoutMs: 10_000 })).rejects.toMatchObject({ name: 'TaskFailedError' });
    await waitFor(() => Filtered.heard.length >= 2, 5_000, 'the listeners');
    await sleep(50);
    expect(Filtered.heard.sort()).toEqual(['completed events.other', 'mail failed events.doomed']);
  });

  it('refuses an unknown event type at bootstrap with UnknownTaskEventError', async () => {
    @Injectable()
    class Typo {
      @OnTaskEvent('exploded' as TaskEventType)
      onExploded(): void {}
    }
    const error = await startTestApp({ url: db().url, providers: [Jobs, Typo], expectBootstrapFailure: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownTaskEventError);
    expect((error as Error).message).toBe(
      `Unknown event type "exploded" in @OnTaskEvent() of Typo.onExploded; the types are 'enqueued', 'started', 'progress', 'retrying', 'completed', 'failed', 'cancelled', 'rescued'.`,
    );

    @Injectable({ scope: Scope.REQUEST })
    class Scoped {
      @OnTaskEvent('failed')
      onFailed(): void {}
    }
    await expect(startTestApp({ url: db().url, providers: [Jobs, Scoped], expectBootstrapFailure: true })).rejects.toBeInstanceOf(InvalidEventListenerError);
  });

  it('fires @OnWorkerEvent in order: started, draining, stopped', async () => {
    @Injectable()
    class Lifecycle {
      static heard: WorkerEvent[] = [];
      @OnWorkerEvent(['started', 'draining', 'stopped'])
      onWorker(event: WorkerEvent): void {
        Lifecycle.heard.push(event);
      }
    }
    const app = await startTestApp({ url: db().url, providers: [Jobs, Lifecycle], worker: { concurrency: 3, queues: ['mail'] } });
    await waitFor(() => Lifecycle.heard.length === 1, 5_000, 'started');
    await app.close();
    await sleep(20);
    expect(Lifecycle.heard.map((e) => e.type)).toEqual(['started', 'draining', 'stopped']);
    const workerId = Lifecycle.heard[0]!.workerId;
    expect(workerId).toEqual(expect.any(String));
    for (const event of Lifecycle.heard) expect(event).toEqual({ type: event.type, workerId, queues: ['mail'], concurrency: 3, at: expect.any(Date) });
  });

  it('events$ carries every type, filtered by type, name and queue, with dates revived', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Jobs] }));
    const tasks = app.get(TaskQueue);
    const all: TaskEvent[] = [];
    const failures: TaskEvent[] = [];
    const subscriptions: Subscription[] = [
      tasks.events$().subscribe((event) => all.push(event)),
      tasks.events$({ type: ['failed', 'retrying'], queue: 'mail' }).subscribe((event) => failures.push(event)),
    ];
    try {
      const reportsCompleted = firstValueFrom(tasks.events$({ type: 'completed', name: 'events.other' }));
      // LISTEN in place before anything happens (events$ opens it on first use).
      await app.get(NotificationListener).listenToEvents();
      const other = await tasks.add(Jobs, 'other', [1]);
      const flaky = await tasks.add(Jobs, 'flaky', []);
      await flaky.result({ timeoutMs: 10_000 });
      await other.result({ timeoutMs: 10_000 });
      const completed = await reportsCompleted;
      expect(completed).toMatchObject({ type: 'completed', taskId: other.id, name: 'events.other', queue: 'reports' });
      expect(completed.durationMs).toEqual(expect.any(Number));
      expect(completed.at).toBeInstanceOf(Date);
      await waitFor(() => all.filter((e) => e.type === 'completed').length === 2, 5_000, 'both completions on events$');
      expect(failures.map((e) => [e.type, e.taskId])).toEqual([['retrying', flaky.id]]);
      const retrying = failures[0]!;
      expect(retrying.type === 'retrying' && retrying.runAt instanceof Date).toBe(true);
      expect(enqueuedFirst(all.filter((e) => e.taskId === flaky.id).map((e) => e.type))).toEqual(['enqueued', 'started', 'retrying', 'started', 'completed']);
    } finally {
      for (const subscription of subscriptions) subscription.unsubscribe();
    }
    expect(() => tasks.events$({ type: 'exploded' as TaskEventType })).toThrow(UnknownTaskEventError);
    expect(() => tasks.events$({ queue: [] })).toThrow(InvalidEventListenerError);
  });

  it('fires each event once across 3 application instances, in the one that ran, enqueued or cancelled the task', async () => {
    const apps = await Promise.all([1, 2, 3].map(async () => track(await startTestApp({ url: db().url, providers: [Jobs, Recorder] }))));
    const byApp = new Map(apps.map((app) => [app.get(Recorder).app, app] as const));
    const tasks = apps[0]!.get(TaskQueue);
    const enqueuer = apps[0]!.get(Recorder).app;
    // Every instance watches events$, cluster-wide.
    const seen = apps.map((app) => firstValueFrom(app.get(TaskQueue).events$({ type: 'completed' }).pipe(take(TASKS_OF_3), toArray())));
    await Promise.all(apps.map((app) => app.get(NotificationListener).listenToEvents()));
    const refs = await tasks.addMany(Array.from({ length: TASKS_OF_3 }, (_, i) => ({ target: Jobs, method: 'ok', args: [i] })));
    await Promise.all(refs.map((ref) => ref.result({ timeoutMs: 20_000 })));
    const cancelled = await tasks.add(Jobs, 'ok', [0], { delayMs: 60_000 });
    await apps[1]!.get(TaskQueue).cancelWhere({ name: 'events.ok', states: ['scheduled'] });
    await waitFor(() => Recorder.heard.filter((h) => h.event.type === 'completed').length >= TASKS_OF_3 && ofTask(cancelled.id).length === 2, 5_000, 'the listeners');
    await sleep(100);

    for (const ref of refs) {
      const heard = Recorder.heard.filter((h) => h.event.taskId === ref.id);
      expect(enqueuedFirst(heard.map((h) => h.event.type))).toEqual(['enqueued', 'started', 'completed']);
      const [enqueued, started, completed] = ['enqueued', 'started', 'completed'].map((type) => heard.find((h) => h.event.type === type)!);
      expect(enqueued!.app).toBe(enqueuer);
      // Started and completed in the instance whose worker ran it.
      expect(started!.app).toBe(completed!.app);
      expect(started!.event).toMatchObject({ workerId: byApp.get(started!.app)!.get(WorkerStatus).snapshot().id });
    }
    expect(Recorder.heard.filter((h) => h.event.taskId === cancelled.id).map((h) => [h.event.type, h.app])).toEqual([
      ['enqueued', enqueuer],
      ['cancelled', apps[1]!.get(Recorder).app],
    ]);
    for (const events of await Promise.all(seen)) {
      expect(new Set(events.map((e) => e.taskId))).toEqual(new Set(refs.map((r) => r.id)));
    }
  });

  it('publishes at most one notification per 250 ms per process, each under 8,000 bytes, counting what it dropped', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Jobs], worker: { concurrency: 20 } }));
    const tasks = app.get(TaskQueue);
    const batches: { at: number; bytes: number; events: number; dropped: number }[] = [];
    const stop = await listenToBatches((payload, bytes) => batches.push({ at: Date.now(), bytes, events: payload.e.length, dropped: payload.d }));
    try {
      const refs = await tasks.addMany(Array.from({ length: 1_000 }, (_, i) => ({ target: Jobs, method: 'ok', args: [i] })));
      await Promise.all(refs.map((ref) => ref.result({ timeoutMs: 30_000 })));
      await sleep(600);
    } finally {
      await stop();
    }
    // 3,000 events: 1,000 enqueued, started, completed.
    expect(batches.reduce((n, b) => n + b.events + b.dropped, 0)).toBe(3_000);
    expect(batches.every((b) => b.bytes < 8_000)).toBe(true);
    expect(batches.some((b) => b.dropped > 0)).toBe(true);
    // Sent 250 ms apart at least; measured on arrival here, so with some slack for delivery.
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.at - batches[i - 1]!.at).toBeGreaterThanOrEqual(150);
  });

  it('receives event batches only while events$ has a subscriber in the process', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Jobs] }));
    const tasks = app.get(TaskQueue);
    const listener = app.get(NotificationListener);
    let batches = 0;
    const counting = listener.notifications$.pipe(where((n) => n.kind === 'events')).subscribe(() => batches++);
    try {
      // No events$ here: the worker's LISTEN connection does not hear the batches its own process sends.
      const first = await tasks.addMany(Array.from({ length: 20 }, (_, i) => ({ target: Jobs, method: 'ok', args: [i] })));
      await Promise.all(first.map((ref) => ref.result({ timeoutMs: 10_000 })));
      await sleep(600);
      expect(batches).toBe(0);
      // With a subscriber it does; once the last one leaves, it stops again.
      const completed = firstValueFrom(tasks.events$({ type: 'completed' }).pipe(take(5), toArray()));
      // Resolves once the events channel is listened to (the subscription's own LISTEN went first).
      (await listener.listenToEvents())();
      const second = await tasks.addMany(Array.from({ length: 5 }, (_, i) => ({ target: Jobs, method: 'ok', args: [i] })));
      expect(new Set((await completed).map((e) => e.taskId))).toEqual(new Set(second.map((ref) => ref.id)));
      await sleep(400);
      const heard = batches;
      expect(heard).toBeGreaterThan(0);
      const third = await tasks.addMany(Array.from({ length: 5 }, (_, i) => ({ target: Jobs, method: 'ok', args: [i] })));
      await Promise.all(third.map((ref) => ref.result({ timeoutMs: 10_000 })));
      await sleep(600);
      expect(batches).toBe(heard);
    } finally {
      counting.unsubscribe();
    }
  });

  it('is quiet when idle: a process with no events sends none', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Jobs] }));
    let batches = 0;
    const stop = await listenToBatches(() => batches++);
    try {
      await sleep(800);
    } finally {
      await stop();
    }
    expect(app.get(TaskQueue)).toBeDefined();
    expect(batches).toBe(0);
  });

  it('takes progress events through the bus (the seam of the running task\'s progress): local listeners and events$', async () => {
    const app = track(await startTestApp({ url: db().url, providers: [Jobs, Recorder] }));
    const onStream = firstValueFrom(app.get(TaskQueue).events$({ type: 'progress', queue: 'mail' }));
    await app.get(NotificationListener).listenToEvents();
    const progress = { type: 'progress', taskId: '77', name: 'events.ok', queue: 'mail', value: 0.5, message: 'half', data: { rows: 10 }, at: new Date() } as const;
    app.get(TaskEventBus).emit(progress);
    expect(await onStream).toEqual(progress);
    await waitFor(() => Recorder.heard.length === 1, 5_000, 'the listener');
    expect(Recorder.heard[0]!.event).toBe(progress);
  });

  it('a running task that ends cancelled fires cancelled once, in the worker that ran it', async () => {
    @Injectable()
    class Waits {
      @QueuedTask({ name: 'events.waits' })
      async waits(): Promise<void> {
        const { signal } = currentTask()!;
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      }
    }
    const worker = track(await startTestApp({ url: db().url, providers: [Waits, Recorder] }));
    const web = track(await startTestApp({ url: db().url, providers: [Waits, Recorder], worker: { enabled: false } }));
    const ref = await web.get(TaskQueue).add(Waits, 'waits', []);
    await waitFor(() => ofTask(ref.id).includes('started'), 10_000, 'the task to start');
    expect(await ref.cancel()).toBe('requested');
    await expect(ref.result({ timeoutMs: 10_000 })).rejects.toMatchObject({ name: 'TaskCancelledError' });
    await waitFor(() => ofTask(ref.id).includes('cancelled'), 5_000, 'the cancelled event');
    await sleep(50);
    const workerApp = worker.get(Recorder).app;
    expect(Recorder.heard.filter((h) => h.event.taskId === ref.id).map((h) => [h.event.type, h.app === workerApp ? 'worker' : 'web'])).toEqual([
      ['enqueued', 'web'],
      ['started', 'worker'],
      ['cancelled', 'worker'],
    ]);
    expect(Recorder.heard.find((h) => h.event.type === 'cancelled')!.event).toMatchObject({ wasRunning: true, name: 'events.waits' });
  });

  it('rescued and failed fire on the maintenance leader when a dead worker held the task', async () => {
    await createExecutionsTable(db());
    const victim = await startWorkerProcess({ url: db().url, leaseMs: 1_000 });
    const producer = track(await startTestApp({ url: db().url, providers: [RecordedTasks], worker: { enabled: false } }));
    const ref = await producer.get(TaskQueue).add(RecordedTasks, 'sleep', [60_000], { maxAttempts: 1 });
    await waitFor(
      async () => (await db().query(`SELECT 1 FROM queued_tasks.tasks WHERE id = $1 AND started_at IS NOT NULL`, [ref.id])).length,
      10_000,
      'the start to be recorded',
    );
    await victim.kill('SIGKILL');
    // The producer may hold the lead already: the rescuer with the listener takes it once the producer is gone.
    await producer.close();
    const rescuer = track(
      await startTestApp({ url: db().url, providers: [RecordedTasks, Recorder], worker: { enabled: false, leaseMs: 1_000, rescueIntervalMs: 200 } }),
    );
    await waitFor(() => ofTask(ref.id).includes('failed'), 15_000, 'the rescue events');
    expect(rescuer.get(Recorder).app).toBe(1);
    expect(Recorder.heard.filter((h) => h.event.taskId === ref.id).map((h) => h.event)).toEqual([
      { type: 'rescued', taskId: ref.id, name: 'recorded.sleep', queue: 'default', attempt: 1, state: 'failed', at: expect.any(Date) },
      {
        type: 'failed',
        taskId: ref.id,
        name: 'recorded.sleep',
        queue: 'default',
        attempt: 1,
        maxAttempts: 1,
        error: { name: 'WorkerLostError', message: expect.stringContaining('lost its lease') },
        at: expect.any(Date),
      },
    ]);
  });

  it('events$ hears the events of a task run in another process (a worker child process)', async () => {
    await createExecutionsTable(db());
    const child = await startWorkerProcess({ url: db().url });
    try {
      const web = track(await startTestApp({ url: db().url, providers: [RecordedTasks, Recorder], worker: { enabled: false } }));
      const tasks = web.get(TaskQueue);
      const heard = firstValueFrom(
        tasks.events$({ name: 'recorded.sleep' }).pipe(
          where((e) => e.type === 'completed'),
          take(1),
        ),
      );
      const all: TaskEvent[] = [];
      const subscription = tasks.events$().subscribe((event) => all.push(event));
      await web.get(NotificationListener).listenToEvents();
      const ref = await tasks.add(RecordedTasks, 'sleep', [0]);
      expect(await ref.result({ timeoutMs: 10_000 })).toBe(child.pid);
      expect(await heard).toMatchObject({ type: 'completed', taskId: ref.id, name: 'recorded.sleep', queue: 'default', attempt: 1 });
      await waitFor(() => all.length >= 3, 5_000, 'three events on events$');
      await sleep(300);
      subscription.unsubscribe();
      const started = all.find((e) => e.type === 'started')!;
      const [worker] = await db().query<{ pid: number }>(`SELECT pid FROM queued_tasks.workers WHERE id = $1`, [(started as { workerId: string }).workerId]);
      expect(worker).toEqual({ pid: child.pid });
      // Two processes, two batches: their order on events$ is not defined.
      expect(all.map((e) => e.type).sort()).toEqual(['completed', 'enqueued', 'started']);
      // Only the enqueue happened here: this process's listener heard nothing else.
      expect(ofTask(ref.id)).toEqual(['enqueued']);
    } finally {
      await child.stop();
    }
  });
});
