import { QueueSchemaMissingError } from '../errors/queue-schema-missing.error.js';
import { QueueUnavailableError } from '../errors/queue-unavailable.error.js';

/** SQLSTATE classes that mean the server or the connection went away, not that the statement was wrong. */
const CONNECTION_CODES = /^(08|57P0[1-3]|53300)/;
const CONNECTION_MESSAGES =
  /Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|Query read timeout|timeout exceeded when trying to connect/i;

/**
 * Turns a driver error into one of our named errors where the cause is
 * something the caller can act on (missing tables, database unreachable).
 * Anything else is a bug of ours or of the statement and is rethrown as is.
 */
export function translateDatabaseError(error: unknown, schema: string): unknown {
  // Duck-typed: errors of Node's own modules may come from another realm (vm contexts), where instanceof fails.
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string') return error;
  const code = (error as { code?: unknown }).code;
  if (code === '42P01' || code === '3F000') return new QueueSchemaMissingError(schema, { cause: error });
  if ((typeof code === 'string' && CONNECTION_CODES.test(code)) || CONNECTION_MESSAGES.test((error as Error).message)) {
    return new QueueUnavailableError((error as Error).message, { cause: error });
  }
  return error;
}

/**
 * SQLSTATE classes by which the database refuses what a statement carries,
 * so that sending it again unchanged would fail again: data exceptions (22,
 * e.g. a string too long for jsonb), integrity constraints (23), program
 * limits (54) and exceptions raised by triggers (P0).
 */
const REFUSAL_CLASSES = /^(22|23|54|P0)/;

/**
 * True when `error` refuses the content of the statement (a row to isolate
 * and fail), false when the statement may succeed if sent again as it is: the
 * database unreachable, a deadlock, a cancellation, a read-only server after a
 * failover, a full disk. An error with no SQLSTATE that is not ours (a
 * `RangeError` building the statement) refuses the content too.
 */
export function isContentRefusal(error: unknown): boolean {
  if (error instanceof QueueUnavailableError) return false;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return true;
  return REFUSAL_CLASSES.test(code);
}

/** The opposite of {@link isContentRefusal}: retry the statement as it is, with backoff. */
export function isTransientDatabaseError(error: unknown): boolean {
  return !isContentRefusal(error);
}
