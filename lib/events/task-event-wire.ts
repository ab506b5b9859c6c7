import { TASK_EVENT_TYPES, type TaskEvent } from '../interfaces/task-event.interface.js';

/*
 * How a batch of task events crosses the notification channel:
 * `{"k":"e","e":[event…],"d":dropped}`, each event as its interface with
 * its dates as epoch milliseconds, revived on the way in.
 */

/** Fields holding a Date in some event type. */
const DATE_FIELDS = ['at', 'runAt'] as const;

/** Bytes of `{"k":"e","e":[],"d":` plus room for the count and the brace. */
const ENVELOPE_BYTES = 40;

/** No event is shorter: with less room left, the rest are counted without being serialised. */
const MIN_EVENT_BYTES = 80;

/**
 * The payload of one batch, at most `maxBytes`: events that do not fit are
 * left out and counted with `dropped`. Undefined when nothing is to be sent.
 */
export function encodeEventBatch(events: readonly TaskEvent[], dropped: number, maxBytes: number): string | undefined {
  let size = ENVELOPE_BYTES;
  let left = dropped;
  const parts: string[] = [];
  for (let index = 0; index < events.length; index++) {
    if (maxBytes - size < MIN_EVENT_BYTES) {
      left += events.length - index;
      break;
    }
    const event = events[index]!;
    let text: string;
    try {
      text = JSON.stringify(toWire(event));
    } catch {
      // Progress data that cannot be serialised (a cycle, a bigint) is dropped like an oversized one.
      left++;
      continue;
    }
    const bytes = Buffer.byteLength(text) + 1;
    if (size + bytes > maxBytes) {
      left++;
      continue;
    }
    size += bytes;
    parts.push(text);
  }
  if (parts.length === 0 && left === 0) return undefined;
  return `{"k":"e","e":[${parts.join(',')}],"d":${left}}`;
}

/** The events of a batch as parsed JSON; entries that are not events (another version) are skipped. */
export function decodeEvents(raw: readonly unknown[]): TaskEvent[] {
  const events: TaskEvent[] = [];
  for (const item of raw) {
    if (typeof item !== 'object' || item === null) continue;
    const event = item as Record<string, unknown>;
    if (!(TASK_EVENT_TYPES as readonly unknown[]).includes(event['type']) || typeof event['taskId'] !== 'string') continue;
    for (const field of DATE_FIELDS) {
      if (typeof event[field] === 'number' || typeof event[field] === 'string') event[field] = new Date(event[field]);
    }
    events.push(event as unknown as TaskEvent);
  }
  return events;
}

function toWire(event: TaskEvent): object {
  const wire: Record<string, unknown> = { ...event, at: event.at.getTime() };
  if ('runAt' in event) wire['runAt'] = event.runAt.getTime();
  return wire;
}
