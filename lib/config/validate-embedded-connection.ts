import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';
import type { QueuedTasksConnectionOptions } from '../interfaces/queued-tasks-options.interface.js';
import { describeValue, requireInteger } from './require-integer.js';
import { validateConnection } from './validate-connection.js';

/** Fields that name a server of their own: with `embedded`, the module would not know which to use. */
const SERVER_FIELDS = ['url', 'host', 'port', 'username', 'password', 'database', 'ssl'] as const;

/**
 * Checks `connection.embedded` (set, `validateConnection` leaves the rest of
 * the connection to this): a boolean or `{ dataDir, port, force }`, and never
 * beside the fields that point at another server.
 */
export function validateEmbeddedConnection(connection: QueuedTasksConnectionOptions): void {
  const { embedded } = connection;
  if (embedded === false) {
    // Switched off (`embedded: !!process.env.LOCAL_DB`): an ordinary connection, checked as such.
    validateConnection({ ...connection, embedded: undefined });
    return;
  }
  if (embedded !== true && (embedded === null || typeof embedded !== 'object' || Array.isArray(embedded))) {
    throw new InvalidModuleOptionsError(`connection.embedded must be true or an object (got ${describeValue(embedded)})`);
  }
  const clashing = SERVER_FIELDS.filter((field) => connection[field] !== undefined);
  if (clashing.length > 0) {
    throw new InvalidModuleOptionsError(
      `connection.embedded starts a server of its own; leave out ${clashing.map((field) => `connection.${field}`).join(', ')} (or drop embedded to use that server)`,
    );
  }
  if (connection.poolSize !== undefined) requireInteger('connection.poolSize', connection.poolSize, 1, 10_000);
  if (embedded === true) return;
  if (embedded.dataDir !== undefined && (typeof embedded.dataDir !== 'string' || embedded.dataDir.trim() === '')) {
    throw new InvalidModuleOptionsError(`connection.embedded.dataDir must be a folder path (got ${describeValue(embedded.dataDir)})`);
  }
  if (embedded.port !== undefined) requireInteger('connection.embedded.port', embedded.port, 1, 65_535);
  if (embedded.force !== undefined && typeof embedded.force !== 'boolean') {
    throw new InvalidModuleOptionsError(`connection.embedded.force must be a boolean (got ${describeValue(embedded.force)})`);
  }
}
