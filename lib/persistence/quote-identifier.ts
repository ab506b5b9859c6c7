import { InvalidModuleOptionsError } from '../errors/invalid-module-options.error.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Quotes a schema name for SQL. Names are restricted to plain identifiers so
 * that the same name also works as a LISTEN channel and in error messages.
 */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new InvalidModuleOptionsError(`schema "${name}" must be a plain identifier (letters, digits, underscore)`);
  }
  return `"${name}"`;
}
