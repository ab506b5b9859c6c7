import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;

/**
 * Refuses a schema name that is not a plain identifier of at most 50
 * characters, so that the same name also works unquoted in a LISTEN channel
 * (with room for its suffix in PostgreSQL's 63-byte limit) and reads plainly
 * in error messages.
 */
export function assertSchemaName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !SCHEMA_NAME.test(name)) {
    throw new InvalidModuleOptionsError(
      `schema ${JSON.stringify(name)} must be a plain identifier of at most 50 characters (letters, digits, underscore; not starting with a digit)`,
    );
  }
}
