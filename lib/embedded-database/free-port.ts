import { createServer } from 'node:net';

/**
 * A TCP port free on the loopback interface right now. Another process may
 * take it before the caller binds it; PostgreSQL then fails to start and
 * says so.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
