import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';
import type { QueuedTasksConnectionOptions } from '../interfaces/queued-tasks-options.interface.js';
import { describeValue, requireInteger } from './require-integer.js';

/**
 * Refuses connection settings that cannot name a server, before the driver
 * turns them into errors that do not say what was wrong: a URL that does
 * not parse, a scheme other than postgres, and most often `url:
 * process.env.DATABASE_URL` with the variable unset. (`connection.embedded`
 * is checked by validateEmbeddedConnection.)
 */
export function validateConnection(connection: QueuedTasksConnectionOptions): void {
  if (connection === null || typeof connection !== 'object') throw new InvalidModuleOptionsError('connection must be an object');
  const { url } = connection;
  if (url === undefined || url === null || url === '') {
    // pg falls back to PGHOST & co.: a deployment that sets those names its server.
    if (connection.host !== undefined || process.env.PGHOST !== undefined) return;
    throw new InvalidModuleOptionsError(
      `connection.url is ${url === '' ? 'empty' : 'not set'} and no host is given (is DATABASE_URL set?). Pass a URL such as postgres://user:password@localhost:5432/app, host/port/database fields, or embedded for development`,
    );
  }
  if (typeof url !== 'string') throw new InvalidModuleOptionsError(`connection.url must be a string (got ${describeValue(url)})`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidModuleOptionsError('connection.url is not a URL; expected postgres://user:password@host:port/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InvalidModuleOptionsError(`connection.url must start with postgres:// or postgresql:// (got ${parsed.protocol}//)`);
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
    throw new InvalidModuleOptionsError('connection.url names no host; expected postgres://user:password@host:port/database');
  }
  if (connection.port !== undefined) requireInteger('connection.port', connection.port, 1, 65_535);
  if (connection.poolSize !== undefined) requireInteger('connection.poolSize', connection.poolSize, 1, 10_000);
}

/** Where a connection goes, for error messages: `postgres://app@db.internal:5432/app`, never the password. */
export function describeConnectionTarget(connection: QueuedTasksConnectionOptions): string {
  let host = connection.host ?? process.env.PGHOST ?? 'localhost';
  let port = String(connection.port ?? process.env.PGPORT ?? 5432);
  let database = connection.database ?? process.env.PGDATABASE;
  let user = connection.username ?? process.env.PGUSER;
  if (connection.url) {
    try {
      const url = new URL(connection.url);
      host = url.hostname || url.searchParams.get('host') || host;
      port = url.port || port;
      database = decodeURIComponent(url.pathname.slice(1)) || database;
      user = decodeURIComponent(url.username) || user;
    } catch {
      return 'an unparsable URL';
    }
  }
  return `postgres://${user ? `${user}@` : ''}${host}:${port}/${database ?? user ?? ''}`;
}
