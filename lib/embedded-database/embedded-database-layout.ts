import { chmodSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the shared embedded server keeps its things, all under `dataDir`:
 *
 * ```
 * .pgdata/
 *   cluster/       the PostgreSQL cluster (PGDATA)
 *   server.json    the running server: its port, its supervisor's pid and lease port
 *   server.lock    held while a server starts or stops
 *   server.log     what the server and its supervisor logged
 * ```
 *
 * The cluster has a folder of its own because `initdb` refuses a folder
 * that holds anything, and the lock must exist before the cluster does.
 */
export interface EmbeddedDatabaseLayout {
  /** Absolute and free of symbolic links, so that every process names the folder alike. */
  readonly dataDir: string;
  readonly clusterDir: string;
  readonly recordFile: string;
  readonly lockFile: string;
  readonly logFile: string;
}

/** Creates `dataDir` when missing and names its files. */
export function prepareEmbeddedDatabaseLayout(dataDir: string): EmbeddedDatabaseLayout {
  mkdirSync(dataDir, { recursive: true });
  const dir = realpathSync(dataDir);
  // A folder that is a cluster itself (the sample's `.pgdata/` before the module ran servers) is used as it is.
  const clusterDir = existsSync(join(dir, 'PG_VERSION')) ? dir : join(dir, 'cluster');
  // As root, PostgreSQL runs as a `postgres` system user (see startEmbeddedPostgres), which must be able to pass
  // through to its cluster. (A cluster folder itself must stay private: PostgreSQL refuses one that others may enter.)
  if (process.getuid?.() === 0 && clusterDir !== dir) chmodSync(dir, statSync(dir).mode | 0o011);
  return {
    dataDir: dir,
    clusterDir,
    recordFile: join(dir, 'server.json'),
    lockFile: join(dir, 'server.lock'),
    logFile: join(dir, 'server.log'),
  };
}
