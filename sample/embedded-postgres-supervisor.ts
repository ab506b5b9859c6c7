/**
 * Runs an embedded PostgreSQL for the sample in a process of its own, forked
 * detached (its own process group): a Ctrl+C in the terminal reaches the
 * application, which drains its workers and only then asks this process to
 * stop the server. If the application dies without asking, the IPC channel
 * closes and the server is stopped all the same.
 */
import { startEmbeddedPostgres } from './embedded-postgres.js';

const dataDir = process.argv[2]!;
const server = await startEmbeddedPostgres({ dataDir, persistent: true });
let stopping: Promise<void> | null = null;
const stop = () => {
  stopping ??= server.stop().finally(() => process.exit(0));
  return stopping;
};
process.on('message', (message: { stop?: boolean }) => {
  if (message.stop) void stop();
});
process.on('disconnect', () => void stop());
// The terminal's signals belong to the application; ignore stray ones here.
process.on('SIGINT', () => undefined);
process.send?.({ url: server.url });
