import { assertSchemaName } from '../config/schema-name.js';

/** Quotes a schema name for SQL; names are plain identifiers (see assertSchemaName). */
export function quoteIdentifier(name: string): string {
  assertSchemaName(name);
  return `"${name}"`;
}
