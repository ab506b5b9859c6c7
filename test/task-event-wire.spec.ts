/**
 * Pure logic of task events, no database: the batch encoding (bounded bytes,
 * drop count, dates revived) and the filters of listeners and `events$`.
 */
import { InvalidEventListenerError, TASK_EVENT_TYPES, UnknownTaskEventError, type TaskEvent } from '../lib/index.js';
import { parseQueueNotification } from '../lib/notifications/queue-notification.js';
import { checkTypes, compileFilter, matchesEvent } from '../lib/events/task-event-filter.js';
import { decodeEvents, encodeEventBatch } from '../lib/events/task-event-wire.js';

const at = new Date('2026-11-21T10:00:00.000Z');
const retrying: TaskEvent = {
  type: 'retrying',
  taskId: '12',
  name: 'mail.send',
  queue: 'mail',
  attempt: 1,
  maxAttempts: 3,
  error: { name: 'Error', message: 'smtp down' },
  runAt: new Date('2026-11-21T10:00:05.000Z'),
  at,
};

function roundTrip(payload: string): { events: TaskEvent[]; dropped: number } {
  const notification = parseQueueNotification(payload);
  if (notification?.kind !== 'events') throw new Error('not an events notification');
  return { events: decodeEvents(notification.events), dropped: notification.dropped };
}

describe('task event batches', () => {
  it('round-trip through a notification payload with their dates revived', () => {
    const progress: TaskEvent = { type: 'progress', taskId: '13', name: 'import', queue: 'default', value: 0.5, message: 'half', data: { rows: 10 }, at };
    const { events, dropped } = roundTrip(encodeEventBatch([retrying, progress], 0, 7_000)!);
    expect(events).toEqual([retrying, progress]);
    expect(events[0]!.at).toBeInstanceOf(Date);
    expect(dropped).toBe(0);
  });

  it('stay under the byte limit and count what they leave out', () => {
    const many = Array.from({ length: 200 }, (_, i): TaskEvent => ({ ...retrying, taskId: String(i) }));
    const payload = encodeEventBatch(many, 5, 7_000)!;
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(7_000);
    const { events, dropped } = roundTrip(payload);
    expect(events.length).toBeGreaterThan(10);
    expect(events.length + dropped).toBe(205);
    expect(events.map((e) => e.taskId)).toEqual(many.slice(0, events.length).map((e) => e.taskId));
  });

  it('drop an event whose data cannot be serialised or does not fit, and keep the others', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const bad: TaskEvent = { type: 'progress', taskId: '1', name: 'n', queue: 'q', value: 0.1, data: cyclic, at };
    const huge: TaskEvent = { type: 'progress', taskId: '2', name: 'n', queue: 'q', value: 0.2, data: 'x'.repeat(10_000), at };
    const { events, dropped } = roundTrip(encodeEventBatch([bad, huge, retrying], 0, 7_000)!);
    expect(events.map((e) => e.taskId)).toEqual(['12']);
    expect(dropped).toBe(2);
  });

  it('send nothing when there is nothing, and a count alone when everything was dropped', () => {
    expect(encodeEventBatch([], 0, 7_000)).toBeUndefined();
    expect(roundTrip(encodeEventBatch([], 3, 7_000)!)).toEqual({ events: [], dropped: 3 });
  });

  it('skip entries that are not events (another version)', () => {
    expect(decodeEvents([null, 1, { type: 'exploded', taskId: '1' }, { type: 'started' }])).toEqual([]);
  });
});

describe('task event filters', () => {
  it('match by name and queue, each a string or a list; a field left out matches all', () => {
    const mail = compileFilter({ queue: 'mail' }, 'test');
    expect(matchesEvent(mail, { name: 'a', queue: 'mail' })).toBe(true);
    expect(matchesEvent(mail, { name: 'a', queue: 'reports' })).toBe(false);
    const both = compileFilter({ name: ['a', 'b'], queue: ['mail'] }, 'test');
    expect(matchesEvent(both, { name: 'b', queue: 'mail' })).toBe(true);
    expect(matchesEvent(both, { name: 'c', queue: 'mail' })).toBe(false);
    expect(matchesEvent(compileFilter(undefined, 'test'), { name: 'x', queue: 'y' })).toBe(true);
  });

  it('refuse what is not names or queues, with InvalidEventListenerError', () => {
    expect(() => compileFilter({ name: [] }, 'events$()')).toThrow(InvalidEventListenerError);
    expect(() => compileFilter({ queue: 42 as unknown as string }, 'events$()')).toThrow(/filter.queue must be a string/);
    expect(() => compileFilter('mail' as never, 'events$()')).toThrow(InvalidEventListenerError);
  });

  it('know every type and refuse others with UnknownTaskEventError', () => {
    expect(checkTypes('failed', TASK_EVENT_TYPES, 'test')).toEqual(['failed']);
    expect(checkTypes([...TASK_EVENT_TYPES], TASK_EVENT_TYPES, 'test')).toHaveLength(8);
    expect(() => checkTypes('fail', TASK_EVENT_TYPES, '@OnTaskEvent() of A.b')).toThrow(UnknownTaskEventError);
    expect(() => checkTypes([], TASK_EVENT_TYPES, 'test')).toThrow(InvalidEventListenerError);
  });
});
