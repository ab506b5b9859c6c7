/**
 * SQL fragment that sends one `finished` notification per 200 ids of the CTE
 * named `finished` (columns id), of its rows matching `where`. 200 ids of up to 19 digits stay far below
 * PostgreSQL's 8000-byte payload limit. Waiters of `TaskRef.result()` in any
 * process read the new state when they see their id.
 */
export function notifyFinishedSql(channelParam: string, where = 'true'): string {
  return `
    SELECT count(*) AS notified FROM (
      SELECT pg_notify(${channelParam}, json_build_object('k', 'f', 'ids', json_agg(id::text))::text)
      FROM (SELECT id, (row_number() OVER ()) / 200 AS chunk FROM finished WHERE ${where}) numbered
      GROUP BY chunk
    ) sent`;
}

/**
 * A wake-up payload expression, replaced by one naming no queue (which wakes
 * every worker) when many queues would push it past NOTIFY's 8000 bytes and
 * fail the whole statement.
 */
export function wakeAllIfTooLong(payload: string): string {
  return `CASE WHEN octet_length(${payload}) > 7000 THEN '{"k":"w"}' ELSE ${payload} END`;
}
