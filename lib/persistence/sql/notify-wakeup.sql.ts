import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';

/** Wakes idle workers: payload names the queues that got tasks and, for delayed ones, the earliest run time. */
export function notifyWakeupStatement(t: QueueTables): SqlStatement {
  return prepared(`SELECT pg_notify($1, $2)`);
}
