/**
 * The maintenance leader's lock: a session-level advisory lock per schema,
 * held on the process's control connection. When the leader's process dies
 * its connection closes and the lock is free at once; the next process that
 * asks takes over. The two-key form keeps it apart from the one-key lock the
 * migrations take.
 */
export const TRY_MAINTENANCE_LOCK = `SELECT pg_try_advisory_lock(hashtext('nestjs-queued-tasks'), hashtext($1)) AS acquired`;

/** Gives leadership up (clean shutdown), so another process takes over without waiting. */
export const RELEASE_MAINTENANCE_LOCK = `SELECT pg_advisory_unlock(hashtext('nestjs-queued-tasks'), hashtext($1)) AS released`;
