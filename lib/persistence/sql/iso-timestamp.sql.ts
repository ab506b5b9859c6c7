/**
 * SQL turning a timestamptz expression into ISO 8601 text in UTC with
 * milliseconds (`2025-01-31T12:00:00.000Z`), the shape `new Date().toISOString()`
 * gives: history entries written by statements read like those the worker
 * writes, and are stamped with the database's clock.
 */
export function isoTimestampSql(expression: string): string {
  return `to_char((${expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
