import { QueueConnectionError } from '../errors/queue-connection.error.js';
import { QueueUnavailableError } from '../errors/queue-unavailable.error.js';
import { translateDatabaseError } from './translate-database-error.js';

/** SQLSTATEs by which a server refuses a connection for its settings: unknown role or pg_hba rule, wrong password, unknown database. */
const REFUSED_CONNECTION = new Set(['28000', '28P01', '3D000']);

/**
 * The error of opening the queue's DataSource, naming where it went
 * (`target`, without the password): refused settings become
 * `QueueConnectionError`, an unreachable server `QueueUnavailableError`.
 */
export function translateConnectError(error: unknown, target: string, schema: string): unknown {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && REFUSED_CONNECTION.has(code)) {
    return new QueueConnectionError(target, (error as Error).message, code, { cause: error });
  }
  const translated = translateDatabaseError(error, schema);
  if (translated instanceof QueueUnavailableError) {
    return new QueueUnavailableError(`${target}: ${(error as Error).message}`, { cause: error });
  }
  return translated;
}
