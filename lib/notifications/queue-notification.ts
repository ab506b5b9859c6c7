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

export type QueueNotification = WakeupNotification | FinishedNotification | CancelNotification;

/** Parses a payload of our channel; unknown payloads (another version, a person with psql) are ignored. */
export function parseQueueNotification(payload: string | undefined): QueueNotification | undefined {
  if (!payload) return undefined;
  try {
    const message = JSON.parse(payload) as { k?: string; q?: unknown; r?: unknown; s?: unknown; ids?: unknown };
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
