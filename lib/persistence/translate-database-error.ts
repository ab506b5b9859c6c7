import { QueueSchemaMissingError } from '../errors/queue-schema-missing.error.js';
import { QueueUnavailableError } from '../errors/queue-unavailable.error.js';

/** SQLSTATE classes that mean the server or the connection went away, not that the statement was wrong. */
const CONNECTION_CODES = /^(08|57P0[1-3]|53300)/;
const CONNECTION_MESSAGES =
  /Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i;

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
