/** Tasks became available: `queues` got new or retried tasks; `runAt` (epoch ms) when the earliest is in the future. */
export interface WakeupNotification {
  kind: 'wakeup';
  queues: string[] | null;
  runAt: number | null;
  /**
   * Some of the tasks announced are scheduled for a time the payload does not
   * carry (a batch mixing due and delayed tasks): workers must look up their
   * next run time instead of trusting what they knew.
   */
  mayHaveScheduled: boolean;
}

/** Tasks reached a final state; result waiters read their outcome. */
export interface FinishedNotification {
  kind: 'finished';
  ids: string[];
}

/** A cancel was requested for running tasks: the workers running them abort them. */
export interface CancelNotification {
  kind: 'cancel';
  ids: string[];
}

/**
 * A batch of task events published by one process (see TaskEventPublisher);
 * `events` are decoded by lib/events/, `dropped` counts those left out.
 */
export interface EventsNotification {
  kind: 'events';
  events: unknown[];
  dropped: number;
}

/** A queue was paused, resumed or given limits: every process reads the controlled queues again. */
export interface QueuesChangedNotification {
  kind: 'queues';
}

/**
 * Schedules were written, paused, resumed or removed (see
 * persistence/sql/schedules.sql.ts): the maintenance leader re-plans its
 * schedule timer. Payload `{"k":"s"}`.
 */
export interface SchedulesNotification {
  kind: 'schedules';
}

export type QueueNotification =
  | WakeupNotification
  | FinishedNotification
  | CancelNotification
  | EventsNotification
  | QueuesChangedNotification
  | SchedulesNotification;

/** Parses a payload of our channel; unknown payloads (another version, a person with psql) are ignored. */
export function parseQueueNotification(payload: string | undefined): QueueNotification | undefined {
  if (!payload) return undefined;
  try {
    const message = JSON.parse(payload) as { k?: string; q?: unknown; r?: unknown; s?: unknown; ids?: unknown; e?: unknown; d?: unknown };
    if (message.k === 'w') {
      return {
        kind: 'wakeup',
        queues: Array.isArray(message.q) ? message.q.map(String) : null,
        runAt: typeof message.r === 'number' ? message.r : null,
        mayHaveScheduled: message.s === 1,
      };
    }
    if (message.k === 'f' && Array.isArray(message.ids)) return { kind: 'finished', ids: message.ids.map(String) };
    if (message.k === 'c' && Array.isArray(message.ids)) return { kind: 'cancel', ids: message.ids.map(String) };
    if (message.k === 'q') return { kind: 'queues' };
    if (message.k === 's') return { kind: 'schedules' };
    if (message.k === 'e' && Array.isArray(message.e)) return { kind: 'events', events: message.e, dropped: Number(message.d) || 0 };
  } catch {
    // Not ours.
  }
  return undefined;
}

/**
 * A wake-up payload; past `maxBytes` (NOTIFY allows 8000) it names no queue,
 * which wakes every worker. `mayHaveScheduled`: see WakeupNotification.
 */
export function wakeupPayload(queues: readonly string[], runAt: number | null, maxBytes = Infinity, mayHaveScheduled = false): string {
  const flags = { ...(runAt === null ? {} : { r: runAt }), ...(mayHaveScheduled ? { s: 1 } : {}) };
  const payload = JSON.stringify({ k: 'w', q: queues, ...flags });
  if (Buffer.byteLength(payload) <= maxBytes) return payload;
  return JSON.stringify({ k: 'w', ...flags });
}
