import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';

/** Registers (or re-registers, after being presumed dead) this worker with a fresh heartbeat. */
export function registerWorkerStatement(t: QueueTables): SqlStatement {
  return prepared(`
    INSERT INTO ${t.workers} (id, hostname, pid, queues, concurrency)
    VALUES ($1, $2, $3, $4::text[], $5)
    ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`);
}

/** Heartbeat. Returns no row when another process has already declared this worker dead and removed it. */
export function heartbeatWorkerStatement(t: QueueTables): SqlStatement {
  return prepared(`UPDATE ${t.workers} SET heartbeat_at = now() WHERE id = $1 RETURNING id`);
}

/** Clean exit: this worker holds no task any more. */
export function deregisterWorkerStatement(t: QueueTables): SqlStatement {
  return prepared(`DELETE FROM ${t.workers} WHERE id = $1`);
}

/**
 * Forgets workers silent for ten leases ($1 ms). Their tasks were rescued long
 * before (rescue does not need the row: a missing row is as dead as a stale
 * one); this only keeps the registry readable.
 */
export function pruneDeadWorkersStatement(t: QueueTables): SqlStatement {
  return prepared(`DELETE FROM ${t.workers} WHERE heartbeat_at < now() - 10 * $1::integer * interval '1 millisecond'`);
}
