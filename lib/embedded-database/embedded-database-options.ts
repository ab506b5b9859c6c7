import { resolve } from 'node:path';
import { EmbeddedDatabaseError } from '../errors/embedded-database.error.js';
import { MESSAGES } from '../errors/messages.js';
import type { QueuedTasksEmbeddedDatabaseOptions } from '../interfaces/queued-tasks-options.interface.js';

/** Folder of the embedded server when `connection.embedded` names none, relative to the current directory. */
export const DEFAULT_EMBEDDED_DATA_DIR = '.pgdata';

/** `connection.embedded` with its defaults applied. */
export interface ResolvedEmbeddedDatabaseOptions {
  /** Absolute. */
  dataDir: string;
  port?: number;
}

/** What the refusal in production and relative folders depend on. */
export interface EmbeddedDatabaseEnvironment {
  nodeEnv: string | undefined;
  cwd: string;
}

/**
 * Applies the defaults of `connection.embedded` (already validated by
 * resolveConfig) and refuses it in production unless forced: a server that
 * lives in a folder of one machine and stops with its last user is no place
 * for data anyone relies on.
 *
 * @throws EmbeddedDatabaseError when `NODE_ENV` is `production` and `force` is not set.
 */
export function resolveEmbeddedDatabaseOptions(
  option: true | QueuedTasksEmbeddedDatabaseOptions,
  environment: EmbeddedDatabaseEnvironment = { nodeEnv: process.env.NODE_ENV, cwd: process.cwd() },
): ResolvedEmbeddedDatabaseOptions {
  const options = option === true ? {} : option;
  if (environment.nodeEnv === 'production' && options.force !== true) throw new EmbeddedDatabaseError(MESSAGES.embeddedInProduction());
  return { dataDir: resolve(environment.cwd, options.dataDir ?? DEFAULT_EMBEDDED_DATA_DIR), port: options.port };
}
