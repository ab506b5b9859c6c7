/**
 * Compile-time tests of task events: `@OnTaskEvent()` checks its method's
 * parameter against the event type, `events$` narrows by its `type` filter,
 * and the union narrows on `type`. Checked by the `tsc` step of `npm test`.
 * Each `@ts-expect-error` line is paired with one that compiles, so a
 * directive cannot pass for the wrong reason. Nothing here runs.
 */
import {
  OnTaskEvent,
  OnWorkerEvent,
  type TaskCompletedEvent,
  type TaskEvent,
  type TaskEventOf,
  type TaskFailedEvent,
  type TaskQueue,
  type TaskRetryingEvent,
  type WorkerEvent,
} from '../../lib/index.js';

export class Listeners {
  @OnTaskEvent('failed', { queue: 'mail' })
  onFailed(event: TaskFailedEvent): void {
    void event.error.message;
  }

  // @ts-expect-error a 'failed' event is not a TaskCompletedEvent
  @OnTaskEvent('failed')
  wrongParameter(event: TaskCompletedEvent): void {
    void event;
  }

  @OnTaskEvent(['failed', 'retrying'])
  onEither(event: TaskFailedEvent | TaskRetryingEvent): void {
    void event;
  }

  // @ts-expect-error 'completed' is not among the parameter's types
  @OnTaskEvent(['failed', 'completed'])
  tooNarrow(event: TaskFailedEvent): void {
    void event;
  }

  @OnTaskEvent('completed', { name: ['a', 'b'] })
  async noParameter(): Promise<void> {}

  // @ts-expect-error an unknown event type
  @OnTaskEvent('exploded')
  onUnknown(event: TaskEvent): void {
    void event;
  }

  // @ts-expect-error a filter field is a string or a list of strings
  @OnTaskEvent('started', { queue: 1 })
  badFilter(event: TaskEvent): void {
    void event;
  }

  @OnWorkerEvent(['started', 'stopped'])
  onWorker(event: WorkerEvent): void {
    void event.concurrency;
  }

  // @ts-expect-error not a worker event
  @OnWorkerEvent('completed')
  onWorkerUnknown(): void {}

  // @ts-expect-error a worker event is not a task event
  @OnWorkerEvent('stopped')
  onWorkerWrongParameter(event: TaskFailedEvent): void {
    void event;
  }
}

export function eventTypeTests(tasks: TaskQueue, event: TaskEvent): void {
  tasks.events$({ type: 'failed', queue: 'mail' }).subscribe((failed) => {
    const error: { name: string; message: string } = failed.error;
    void error;
    // @ts-expect-error a failed event has no durationMs
    void failed.durationMs;
  });
  tasks.events$({ type: ['completed', 'retrying'] }).subscribe((e) => {
    const at: Date = e.at;
    void at;
    if (e.type === 'completed') void e.durationMs;
    else void e.runAt.getTime();
  });
  // @ts-expect-error an unknown type in the filter
  tasks.events$({ type: 'exploded' });
  tasks.events$().subscribe((any: TaskEvent) => void any);

  if (event.type === 'retrying') {
    const runAt: Date = event.runAt;
    void runAt;
  }
  // @ts-expect-error only some events have runAt
  void event.runAt;
  const progress: TaskEventOf<'progress'> = { type: 'progress', taskId: '1', name: 'n', queue: 'q', value: 0.5, at: new Date() };
  // @ts-expect-error progress carries a value
  const noValue: TaskEventOf<'progress'> = { type: 'progress', taskId: '1', name: 'n', queue: 'q', at: new Date() };
  void [progress, noValue];
}
