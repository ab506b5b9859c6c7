import { isQueueName, QUEUE_NAME_RULE } from '../config/validate-task-options.js';
import { InvalidEventListenerError } from '../errors/invalid-event-listener.error.js';
import { UnknownTaskEventError } from '../errors/unknown-task-event.error.js';
import type { TaskEventFilter } from '../interfaces/task-event.interface.js';

/** A checked {@link TaskEventFilter}: null matches every task. */
export interface EventMatcher {
  names: ReadonlySet<string> | null;
  queues: ReadonlySet<string> | null;
}

/** True when the event's task passes the filter. */
export function matchesEvent(matcher: EventMatcher, event: { name: string; queue: string }): boolean {
  return (matcher.names === null || matcher.names.has(event.name)) && (matcher.queues === null || matcher.queues.has(event.queue));
}

/** @throws InvalidEventListenerError for a filter that is not an object of names and queues */
export function compileFilter(filter: TaskEventFilter | undefined, source: string, otherFields: readonly string[] = []): EventMatcher {
  if (filter === undefined || filter === null) return { names: null, queues: null };
  if (typeof filter !== 'object') throw new InvalidEventListenerError(source, 'its filter must be an object { name?, queue? }');
  // A misspelt field ({ queues }) would leave the listener hearing everything.
  for (const field of Object.keys(filter)) {
    if (field !== 'name' && field !== 'queue' && !otherFields.includes(field)) {
      throw new InvalidEventListenerError(source, `its filter has no field "${field}" (${['name', 'queue', ...otherFields].join(', ')})`);
    }
  }
  const queues = stringSet(filter.queue, 'queue', source);
  // A queue no queue can have: a typo, and the listener would never hear anything.
  for (const queue of queues ?? []) if (!isQueueName(queue)) throw new InvalidEventListenerError(source, `filter.queue ${JSON.stringify(queue)}: ${QUEUE_NAME_RULE}`);
  return { names: stringSet(filter.name, 'name', source), queues };
}

/** Checks event types against the known ones. @throws UnknownTaskEventError */
export function checkTypes(types: unknown, known: readonly string[], source: string): string[] {
  const list: unknown[] = typeof types === 'string' ? [types] : Array.isArray(types) ? types : [types];
  if (list.length === 0) throw new InvalidEventListenerError(source, 'it names no event type');
  for (const type of list) {
    if (typeof type !== 'string' || !known.includes(type)) throw new UnknownTaskEventError(String(type), source, known);
  }
  return list as string[];
}

function stringSet(value: unknown, field: string, source: string): ReadonlySet<string> | null {
  if (value === undefined) return null;
  const list: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((item) => typeof item !== 'string')) {
    throw new InvalidEventListenerError(source, `filter.${field} must be a string or a non-empty array of strings`);
  }
  return new Set(list as string[]);
}
