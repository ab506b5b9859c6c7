import type { QueueTables } from '../queue-tables.js';
import { QUEUES_CHANGED_PAYLOAD } from './queue-controls.sql.js';

/**
 * Marks queue $1 keyed ($2: channel): its row of `queues` is created, or its
 * `keyed` set, so that `controlled` becomes true and only the controlled
 * claim (which counts running tasks per concurrency key) takes its tasks.
 * Sent on its own, in its own transaction, before the first insert of a
 * task with a concurrency key: committed first, so no plain claim ever sees
 * such a task in a queue it still takes as uncontrolled (once a worker has
 * heard the notification).
 *
 * `WHERE NOT q.keyed` makes a queue already keyed a no-op that writes no
 * row version and returns no row, so the NOTIFY (from the same statement,
 * for that one returned row only) goes out once per change: concurrent
 * first adds of several processes wait on the row's lock, then find it
 * keyed. Nothing sets `keyed` back to false, which is what lets each
 * process remember the queues it marked (see KeyedQueues).
 *
 * Not a named prepared statement: it runs once per queue per process.
 */
export function markQueueKeyedSql(t: QueueTables): string {
  return `
    WITH marked AS (
      INSERT INTO ${t.queues} AS q (name, keyed) VALUES ($1, true)
      ON CONFLICT (name) DO UPDATE SET keyed = true, updated_at = now() WHERE NOT q.keyed
      RETURNING q.name
    )
    SELECT pg_notify($2, '${QUEUES_CHANGED_PAYLOAD}') FROM marked`;
}
