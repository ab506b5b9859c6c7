import type { QueueTables } from '../queue-tables.js';
import { prepared, type SqlStatement } from '../sql-statement.js';

/**
 * The instant a worker's lease ends, as rescue and renewal both judge it: its
 * own expiry, but never earlier than one lease after the server started. A
 * worker cannot renew while the server is down, so the server's own downtime
 * is never counted against it: after a restart every worker gets a fresh lease.
 * A worker that only renews `heartbeat_at` (version 0.1) keeps its lease too.
 */
export function leaseEndSql(alias: string): string {
  const lease = `${alias}.lease_ms * interval '1 millisecond'`;
  // heartbeat_at + lease: what a worker of version 0.1 (which renews only
  // heartbeat_at) still counts on during a rolling upgrade; for newer
  // workers it equals lease_expires_at.
  return `greatest(${alias}.lease_expires_at, ${alias}.heartbeat_at + ${lease}, pg_postmaster_start_time() + ${lease})`;
}

/**
 * Registers one incarnation of a worker ($1, a fresh uuid each time: a worker
 * that lost its lease never comes back under the same id) with its own lease
 * length ($6 ms), computed on the database's clock.
 */
export function registerWorkerStatement(t: QueueTables): SqlStatement {
  return prepared(`
    INSERT INTO ${t.workers} (id, hostname, pid, queues, concurrency, lease_ms, lease_expires_at, heartbeat_at)
    VALUES ($1, $2, $3, $4::text[], $5, $6, now() + $6::integer * interval '1 millisecond', now())`);
}

/**
 * Renews the lease of worker $1 from the database's `now()`. Refused (no row)
 * once the lease has ended: rescue may already have taken the worker's tasks,
 * so the worker must fence itself rather than carry on. Rescue deletes dead
 * workers' rows under the same row lock, so a renewal and a rescue of one
 * worker can never both succeed.
 *
 * Also returns the worker's running tasks whose cancel was requested (over
 * the index of running rows by worker): a cancel's NOTIFY may be lost, the
 * request in the row is not, so a heartbeat later the handler is aborted.
 */
export function renewLeaseStatement(t: QueueTables): SqlStatement {
  return prepared(`
    UPDATE ${t.workers} w
    SET heartbeat_at = now(), lease_expires_at = now() + w.lease_ms * interval '1 millisecond'
    WHERE w.id = $1 AND ${leaseEndSql('w')} > now()
    RETURNING w.id, ARRAY(
      SELECT t.id::text FROM ${t.tasks} t WHERE t.worker_id = $1 AND t.state = 'running' AND t.cancel_requested_at IS NOT NULL
    ) AS cancel_requested`);
}

/** Clean exit: this worker holds no task any more, and whatever it still held is rescuable at once. */
export function deregisterWorkerStatement(t: QueueTables): SqlStatement {
  return prepared(`DELETE FROM ${t.workers} WHERE id = $1`);
}
